// Turns zod issues into diagnostics that say what was expected, what was found, and where.
import type { z } from "zod";
import type { Diagnostic } from "./diagnostic.js";
import { didYouMean } from "../shared/suggest.js";
import type { PathSegment, YamlFile } from "./yaml-file.js";

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/** Validates `yaml.value` against `schema`; returns the parsed data or every error. */
export function parseWithSchema<S extends z.ZodType>(
  schema: S,
  yaml: YamlFile,
): { data?: z.output<S>; errors: Diagnostic[] } {
  const result = schema.safeParse(yaml.value);
  if (result.success) return { data: result.data, errors: [] };
  return { errors: issuesToDiagnostics(result.error.issues, [], yaml, schema) };
}

function issuesToDiagnostics(issues: readonly Issue[], base: PathSegment[], yaml: YamlFile, root: AnySchema): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const path = [...base, ...(issue.path as PathSegment[])];
    out.push(...issueToDiagnostics(issue, path, yaml, root));
  }
  return out;
}

function issueToDiagnostics(issue: Issue, path: PathSegment[], yaml: YamlFile, root: AnySchema): Diagnostic[] {
  const found = valueAt(yaml.value, path);
  const where = path.length ? `${path.join(".")}: ` : "";
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = objectKeys(schemaAt(root, path, yaml.value));
      return issue.keys.map((key) =>
        yaml.diagnostic([...path, key], `unknown key "${key}"${didYouMean(key, known)}; expected one of: ${known.join(", ")}`, "key"),
      );
    }
    case "invalid_type": {
      if (found === undefined) {
        const parent = path.slice(0, -1);
        return [yaml.diagnostic(parent, `missing required key "${String(path.at(-1))}" (expected ${expectedText(issue)})`, "key")];
      }
      return [yaml.diagnostic(path, `${where}expected ${expectedText(issue)}, found ${describe(found)}`)];
    }
    case "invalid_union": {
      // Report the branch that fits the value's kind best, rather than every branch's complaint.
      if (found === undefined) {
        return [yaml.diagnostic(path.slice(0, -1), `missing required key "${String(path.at(-1))}"`, "key")];
      }
      const branches = issue.errors.filter((errs) => !errs.some((e) => (e.code === "invalid_type" || e.code === "invalid_value") && e.path.length === 0));
      if (branches.length > 0) {
        const best = branches.reduce((a, b) => (weight(b) < weight(a) ? b : a));
        return issuesToDiagnostics(best, path, yaml, root);
      }
      const expected = issue.message.startsWith("expected") ? issue.message.slice("expected ".length) : "a different value";
      return [yaml.diagnostic(path, `${where}expected ${expected}, found ${describe(found)}`)];
    }
    case "invalid_value": {
      const values = issue.values.map((v) => JSON.stringify(v));
      const hint = typeof found === "string" ? didYouMean(found, issue.values.map(String)) : "";
      return [yaml.diagnostic(path, `${where}expected one of ${values.join(", ")}, found ${describe(found)}${hint}`)];
    }
    case "too_small":
    case "too_big": {
      const bound =
        issue.code === "too_small"
          ? `${issue.inclusive === false ? "above" : "at least"} ${issue.minimum}`
          : `${issue.inclusive === false ? "below" : "at most"} ${issue.maximum}`;
      const what = issue.origin === "array" ? `a list with ${bound} items` : issue.origin === "string" ? `text of ${bound} characters` : `a number ${bound}`;
      // A schema that gives a bound its own message gives the reason for it (zod's own say "Too big: ...").
      const why = /^Too (big|small)\b/.test(issue.message) ? "" : `; ${issue.message}`;
      return [yaml.diagnostic(path, `${where}expected ${what}, found ${describe(found)}${why}`)];
    }
    case "invalid_format":
      return [yaml.diagnostic(path, `${where}${issue.message}, found ${describe(found)}`)];
    default:
      return [yaml.diagnostic(path, `${where}${issue.message}`)];
  }
}

function weight(issues: readonly Issue[]): number {
  return issues.reduce((n, i) => n + (i.code === "unrecognized_keys" ? i.keys.length : 1), 0);
}

function expectedText(issue: Extract<Issue, { code: "invalid_type" }>): string {
  if (issue.message && !issue.message.startsWith("Invalid input")) return issue.message.replace(/^expected /, "");
  const names: Record<string, string> = { string: "text", number: "a number", int: "an integer", boolean: "true or false", object: "a map", array: "a list" };
  return names[issue.expected] ?? issue.expected;
}

/** A short, quoted rendering of a YAML value for messages. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = Object.hasOwn(v, seg) ? (v as Record<string, unknown>)[seg as string] : undefined;
  }
  return v;
}

// Finds the object schema that governs `path`, so unknown keys can be matched to the keys it knows.
function schemaAt(schema: AnySchema, path: readonly PathSegment[], root: unknown): AnySchema[] {
  let current: AnySchema[] = [schema];
  let value = root;
  for (const seg of path) {
    value = value !== null && typeof value === "object" && Object.hasOwn(value, seg) ? (value as Record<string, unknown>)[seg as string] : undefined;
    const next: AnySchema[] = [];
    for (const s of current.flatMap(unwrap)) {
      const def = s._zod.def as unknown as Record<string, unknown>;
      if (def.type === "object") {
        const shape = def.shape as Record<string, AnySchema>;
        if (Object.hasOwn(shape, seg)) next.push(shape[seg as string]);
      } else if (def.type === "record") next.push(def.valueType as AnySchema);
      else if (def.type === "array") next.push(def.element as AnySchema);
    }
    current = next;
  }
  const objects = current.flatMap(unwrap).filter((s) => (s._zod.def as { type: string }).type === "object");
  return objects;
}

function unwrap(s: AnySchema): AnySchema[] {
  const def = s._zod.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
      return unwrap(def.innerType as AnySchema);
    case "pipe":
      return unwrap(def.in as AnySchema);
    case "union":
      return (def.options as AnySchema[]).flatMap(unwrap);
    default:
      return [s];
  }
}

function objectKeys(schemas: AnySchema[]): string[] {
  const keys = new Set<string>();
  for (const s of schemas) for (const k of Object.keys((s._zod.def as unknown as { shape: object }).shape)) keys.add(k);
  return [...keys];
}
