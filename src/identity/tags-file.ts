// Tags given on the command line: --tags-file (JSON object or KEY=VALUE lines) and --tag KEY=VALUE.
import { readRegularFile } from "../shared/read-file.js";
import { IdentityError, UsageError } from "../errors.js";
import { atMost, clip, quote, QUOTE_MAX } from "./excerpt.js";
import { JsonPositionError, parseJsonMembers } from "./json-members.js";
import { emptyTags, type Tags } from "./tags.js";

/** One `KEY=VALUE` of a source, with where a file gives it, for messages. */
interface Given {
  key: string;
  value: string;
  line?: number;
  /** JSON only: KEY=VALUE lines start their key at column 1. */
  column?: number;
}

/** The shape a tags file must have, said by every refusal of a file that has another. */
const OBJECT_EXPECTED = "expected a JSON object of tag keys to string values";
const WRITE_IT_SO = 'write {"unibox:mode": "review", "unibox:box": "pr-7"}, or KEY=VALUE lines such as unibox:mode=review';
/** Contradicted keys listed in one refusal; the rest are counted. */
const MAX_LISTED = 10;

/** Parses a tags file: a JSON object of strings, or `KEY=VALUE` lines (`#` comments, blank lines allowed). */
export function parseTagsText(text: string, file: string): Tags {
  const body = text.replace(/^\uFEFF/, "");
  const start = body.search(/\S/);
  if (body[start] === "{") {
    let members;
    try {
      members = parseJsonMembers(body);
    } catch (err) {
      if (!(err instanceof JsonPositionError)) throw err;
      throw new IdentityError(`${file}:${err.line}:${err.column}: invalid tags JSON: ${err.message}`);
    }
    return uniqueTags(members, (last) => `${file}:${last.line}:${last.column}: `);
  }
  const other = otherJson(body, start);
  if (other !== undefined) {
    const before = body.slice(0, start).split("\n");
    throw new IdentityError(`${file}:${before.length}:${before.at(-1)!.length + 1}: ${OBJECT_EXPECTED}, found ${other}; ${WRITE_IT_SO}`);
  }
  const given: Given[] = [];
  body.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    if (eq <= 0) {
      const size = line.length > QUOTE_MAX ? ` (a line of ${line.length} characters)` : "";
      throw new IdentityError(`${file}:${i + 1}:1: expected KEY=VALUE, found ${quote(line)}${size}; write one tag per line, such as unibox:mode=review`);
    }
    given.push({ key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), line: i + 1 });
  });
  return uniqueTags(given, (last) => `${file}:${last.line}:1: `);
}

/**
 * What a file holds when it is JSON but not an object ("an array", "a string", "the number 42", "true"),
 * in words; undefined when it is not JSON (KEY=VALUE lines). A file that starts with "[" is taken for an
 * array even when broken: no KEY=VALUE line starts so, and "expected KEY=VALUE" would mislead.
 */
function otherJson(body: string, start: number): string | undefined {
  const first = body[start];
  if (first === "[") return "an array";
  // Only what can start a JSON scalar is parsed; KEY=VALUE lines fail JSON.parse within their first line.
  if (first === undefined || !/["\-0-9tfn]/.test(first)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value === "string") return `a string, ${quote(value)}`;
  if (typeof value === "number") return `the number ${clip(body.trim())}`;
  return String(value);
}

/** Repeated --tag KEY=VALUE (already split into pairs); a key given twice must say the same both times. */
export function tagsFromFlags(pairs: [string, string][]): Tags {
  return uniqueTags(
    pairs.map(([key, value]) => ({ key, value })),
    () => "--tag: ",
  );
}

/** Reads --tags-file; a missing, unreadable or non-regular file is a usage error (exit 2). */
export function readTagsFile(path: string): Tags {
  const read = readRegularFile(path, `--tags-file ${path}`);
  if ("content" in read) return parseTagsText(read.content.toString("utf8"), path);
  // /dev/zero or a pipe never ends: reading one would hang the boot instead of failing it.
  if (read.kind) throw new UsageError(`--tags-file ${path} is ${read.kind}, not a regular file: give a file holding a JSON object or KEY=VALUE lines`);
  throw new UsageError(`cannot read --tags-file ${path}: ${read.code ?? read.problem}`);
}

/**
 * The tags of one source. The same key with different values is a contradiction (exit 3): a box that
 * picked one of them, as JSON.parse picks the last, could boot as something nobody asked for.
 */
function uniqueTags(given: Given[], prefix: (last: Given) => string): Tags {
  const byKey = new Map<string, Given[]>();
  for (const g of given) {
    const all = byKey.get(g.key);
    if (all === undefined) byKey.set(g.key, [g]);
    else all.push(g);
  }
  const problems: string[] = [];
  for (const [key, all] of byKey) {
    if (all.every((g) => g.value === all[0].value)) continue;
    // A key given 100k times names its first three and its last: enough to find them, not a flood.
    const shown = all.length <= 4 ? all : [...all.slice(0, 3), all.at(-1)!];
    const values = shown.map((g) => `${quote(g.value)}${where(g)}`);
    const others = all.length > 4 ? [`${all.length - 4} more`] : [];
    const times = all.length === 2 ? "twice" : `${all.length} times`;
    const list = `${[...values.slice(0, -1), ...others].join(", ")} and ${values.at(-1)}`;
    problems.push(`${prefix(all.at(-1)!)}tag ${quote(key)} is given ${times} with different values: ${list}`);
  }
  if (problems.length > 0) {
    const details = atMost(problems.slice(1), MAX_LISTED, (n) => `and ${n} more contradicted ${n === 1 ? "key" : "keys"}`);
    throw new IdentityError(`${problems[0]}; contradictory tags, starting nothing`, { details });
  }
  const tags = emptyTags();
  for (const g of given) tags[g.key] = g.value;
  return tags;
}

function where(g: Given): string {
  if (g.line === undefined) return "";
  return g.column === undefined ? ` (line ${g.line})` : ` (line ${g.line}, column ${g.column})`;
}
