// Tags given on the command line: --tags-file (JSON object or KEY=VALUE lines) and --tag KEY=VALUE.
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from "node:fs";
import { IdentityError, UsageError } from "../errors.js";
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

/** Parses a tags file: a JSON object of strings, or `KEY=VALUE` lines (`#` comments, blank lines allowed). */
export function parseTagsText(text: string, file: string): Tags {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim().startsWith("{")) {
    let members;
    try {
      members = parseJsonMembers(body);
    } catch (err) {
      if (!(err instanceof JsonPositionError)) throw err;
      throw new IdentityError(`${file}:${err.line}:${err.column}: invalid tags JSON: ${err.message}`);
    }
    return uniqueTags(members, (last) => `${file}:${last.line}:${last.column}: `);
  }
  const given: Given[] = [];
  body.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new IdentityError(`${file}:${i + 1}:1: expected KEY=VALUE, found "${line}"`);
    given.push({ key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), line: i + 1 });
  });
  return uniqueTags(given, (last) => `${file}:${last.line}:1: `);
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
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise block until some writer opens it,
    // before fstat could refuse it. It changes nothing for a regular file.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new UsageError(`cannot read --tags-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  let text: string;
  try {
    const stats = fstatSync(fd);
    // /dev/zero or a pipe never ends: reading one would hang the boot instead of failing it.
    if (!stats.isFile()) {
      throw new UsageError(`--tags-file ${path} is ${fileKind(stats)}, not a regular file: give a file holding a JSON object or KEY=VALUE lines`);
    }
    text = readFileSync(fd, "utf8");
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read --tags-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  } finally {
    closeSync(fd);
  }
  return parseTagsText(text, path);
}

/**
 * The tags of one source. The same key with different values is a contradiction (exit 3): a box that
 * picked one of them, as JSON.parse picks the last, could boot as something nobody asked for.
 */
function uniqueTags(given: Given[], prefix: (last: Given) => string): Tags {
  const byKey = new Map<string, Given[]>();
  for (const g of given) byKey.set(g.key, [...(byKey.get(g.key) ?? []), g]);
  const problems: string[] = [];
  for (const [key, all] of byKey) {
    if (new Set(all.map((g) => g.value)).size === 1) continue;
    const values = all.map((g) => `${JSON.stringify(g.value)}${where(g)}`);
    const times = all.length === 2 ? "twice" : `${all.length} times`;
    const list = `${values.slice(0, -1).join(", ")} and ${values.at(-1)}`;
    problems.push(`${prefix(all.at(-1)!)}tag "${key}" is given ${times} with different values: ${list}`);
  }
  if (problems.length > 0) {
    throw new IdentityError(`${problems[0]}; contradictory tags, starting nothing`, { details: problems.slice(1) });
  }
  const tags = emptyTags();
  for (const g of given) tags[g.key] = g.value;
  return tags;
}

function where(g: Given): string {
  if (g.line === undefined) return "";
  return g.column === undefined ? ` (line ${g.line})` : ` (line ${g.line}, column ${g.column})`;
}

function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (a named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "a special file";
}
