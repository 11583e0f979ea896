// Checks one role beyond its shape and turns it into the normalised Role.
import type { Diagnostic } from "../diagnostic.js";
import { parseDuration } from "../duration.js";
import { MODES, NAME_PATTERN, type Mode } from "../names.js";
import type { Component, Health, ReplicaRule, Role } from "../types.js";
import type { PathSegment, YamlFile } from "../yaml-file.js";
import type { ComponentInput, ReplicasInput, RoleInput } from "./schema.js";

const COMPONENT_KEYS = ["command", "replicas", "port", "health", "stop", "once", "entry"] as const;
/** What a one-shot cannot have: it is one process that runs to its end, nothing to balance, probe or drain. */
const NOT_FOR_ONCE = {
  replicas: "a one-shot runs exactly one process",
  port: "a one-shot serves nothing",
  health: "a one-shot is healthy when it exits 0",
  stop: "a one-shot is stopped (TERM, then KILL after 10 s) only when the box goes down mid-run",
} as const;
const DEFAULT_GRACE_MS = 10_000;
const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;
const DEFAULT_HEALTH_INTERVAL_MS = 1_000;

/** The normalised role, or the errors that prevent it. */
export function normaliseRole(name: string, yaml: YamlFile, input: RoleInput): { role?: Role; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const err = (path: PathSegment[], message: string, at?: "key" | "value") => errors.push(yaml.diagnostic(path, message, at));

  const topLevel = COMPONENT_KEYS.filter((k) => input[k] !== undefined);
  const entries: [string, ComponentInput | undefined, PathSegment[]][] = [];
  if (input.components !== undefined) {
    for (const k of topLevel) err([k], `"${k}" belongs inside a component when "components:" is used`, "key");
    // Names come from the file itself: the parsed record has lost a "__proto__" key, and a map must not look names up
    // on a prototype ("constructor").
    const specs = new Map(Object.entries(input.components));
    const names = Object.keys((yaml.value as { components: object }).components);
    if (names.length === 0) err(["components"], "expected at least one component, found none");
    for (const c of names) entries.push([c, specs.get(c), ["components", c]]);
  } else if (input.command !== undefined) {
    entries.push(["main", input as ComponentInput, []]);
  } else {
    err([], 'missing "command:" (one process) or "components:" (several)', "key");
  }

  const components: Component[] = [];
  for (const [c, spec, path] of entries) {
    if (!NAME_PATTERN.test(c)) err(path, `component name "${c}" must match [a-z][a-z0-9-]* (lowercase, digits, dashes; no dots)`, "key");
    if (!spec) continue;
    const health = normaliseHealth(spec, path, err);
    if (spec.once) {
      for (const [key, why] of Object.entries(NOT_FOR_ONCE)) {
        if (spec[key as keyof typeof NOT_FOR_ONCE] !== undefined) err([...path, key], `"${key}" does not apply to a one-shot (once: true): ${why}; remove "${key}", or drop "once: true" to make it a long-running component`, "key");
      }
      if (spec.entry) err([...path, "entry"], `a one-shot (once: true) cannot be the box's entry: it exits; put "entry: true" on the component that serves the box's URL`, "key");
    } else if (spec.entry && spec.port === undefined) {
      err([...path, "entry"], `"entry: true" marks the box's URL: the component needs a "port:"`, "key");
    }
    components.push({
      name: c,
      command: spec.command,
      replicas: normaliseReplicas(spec.replicas, [...path, "replicas"], err),
      port: spec.port,
      health,
      stop: {
        command: spec.stop?.command,
        signal: spec.stop?.signal ?? "TERM",
        graceMs: spec.stop?.grace !== undefined ? parseDuration(spec.stop.grace)! : DEFAULT_GRACE_MS,
      },
      ...(spec.once ? { once: true } : {}),
      ...(spec.entry ? { entry: true } : {}),
    });
  }

  const needs = input.needs ?? [];
  const modes = input.modes ?? [...MODES];
  listedTwice(needs, "needs", err);
  listedTwice(modes, "modes", err);

  if (errors.length > 0) return { errors };
  return {
    role: {
      name,
      file: yaml.file,
      yaml,
      description: input.description,
      repo: input.repo,
      user: input.user,
      modes: MODES.filter((m) => modes.includes(m)),
      needs,
      components,
    },
    errors,
  };
}

type Report = (path: PathSegment[], message: string, at?: "key" | "value") => void;

// Every repeat of an item, at the repeat.
function listedTwice(items: readonly string[], key: string, err: Report): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item)) err([key, i], `"${item}" is listed twice in ${key}`);
    seen.add(item);
  });
}

function normaliseHealth(spec: ComponentInput, path: PathSegment[], err: Report): Health | undefined {
  const h = spec.health;
  if (!h) return undefined;
  const at = [...path, "health"];
  const kinds = (["http", "tcp", "cmd"] as const).filter((k) => h[k] !== undefined);
  if (kinds.length !== 1) {
    err(at, `health: expected exactly one of http, tcp, cmd, found ${kinds.length === 0 ? "none" : kinds.join(" and ")}`);
    return undefined;
  }
  if (h.expect !== undefined && kinds[0] !== "http") err([...at, "expect"], `health: "expect" applies to http checks only`, "key");
  if (kinds[0] !== "cmd" && spec.port === undefined) {
    err(at, `health: a ${kinds[0]} check needs the component's "port:"; add one, or use { cmd: "..." }`);
  }
  const timeoutMs = h.timeout !== undefined ? parseDuration(h.timeout)! : DEFAULT_HEALTH_TIMEOUT_MS;
  const intervalMs = h.interval !== undefined ? parseDuration(h.interval)! : DEFAULT_HEALTH_INTERVAL_MS;
  if (kinds[0] === "http") return { kind: "http", path: h.http!, expect: h.expect, timeoutMs, intervalMs };
  if (kinds[0] === "tcp") return { kind: "tcp", timeoutMs, intervalMs };
  return { kind: "cmd", command: h.cmd!, timeoutMs, intervalMs };
}

function normaliseReplicas(input: ReplicasInput | undefined, path: PathSegment[], err: Report): Record<Mode, ReplicaRule> {
  const one = (r: ReplicasInput | undefined, at: PathSegment[]): ReplicaRule => {
    if (r === undefined) return { fixed: 1 };
    if (typeof r === "number") return { fixed: r };
    if ("perCpu" in r) {
      // max: 0 turns a component off in a mode; the default min must not contradict it.
      const min = r.min ?? Math.min(1, r.max ?? 1);
      if (r.max !== undefined && r.max < min) err(at, `replicas: max (${r.max}) is below min (${min})`);
      return { perCpu: r.perCpu, min, max: r.max };
    }
    return { fixed: 1 };
  };
  if (input !== undefined && typeof input === "object" && !("perCpu" in input)) {
    const perMode = input as Partial<Record<Mode, ReplicasInput>>;
    return Object.fromEntries(MODES.map((m) => [m, one(perMode[m], [...path, m])])) as Record<Mode, ReplicaRule>;
  }
  const rule = one(input, path);
  return { review: rule, staging: rule, production: rule };
}
