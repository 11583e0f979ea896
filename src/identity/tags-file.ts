// Tags given on the command line: --tags-file (JSON object or KEY=VALUE lines) and --tag KEY=VALUE.
import { readFileSync } from "node:fs";
import { IdentityError, UsageError } from "../cli/errors.js";
import type { Tags } from "./tags.js";

/** Parses a tags file: a JSON object of strings, or `KEY=VALUE` lines (`#` comments, blank lines allowed). */
export function parseTagsText(text: string, file: string): Tags {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new IdentityError(`${file}: invalid JSON: ${(err as Error).message}`);
    }
    const tags: Tags = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof v !== "string") throw new IdentityError(`${file}: tag "${k}": expected a string value, found ${JSON.stringify(v)}`);
      tags[k] = v;
    }
    return tags;
  }
  const tags: Tags = {};
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new IdentityError(`${file}:${i + 1}:1: expected KEY=VALUE, found "${line}"`);
    tags[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  });
  return tags;
}

/** Reads --tags-file; a missing file is a usage error. */
export function readTagsFile(path: string): Tags {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read --tags-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  return parseTagsText(text, path);
}

/** Parses repeated --tag KEY=VALUE options. */
export function parseTagOptions(values: string[]): Tags {
  const tags: Tags = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new UsageError(`--tag expects KEY=VALUE, found "${v}"`);
    tags[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return tags;
}
