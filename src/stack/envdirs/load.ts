// Loads envdirs/<scope>/<NAME>: configuration in chpst's envdir format, one directory per scope.
import { existsSync, lstatSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostic } from "../diagnostic.js";
import { VARIABLE_PATTERN } from "../names.js";
import { leavesRoot, listDirectory, readRegularFile } from "../../shared/read-file.js";
import type { EnvEntry, EnvScope } from "../types.js";
import { envFileValueBytes, envValueTooLong, MAX_ENV_STRING } from "./value.js";

export interface LoadedEnvScopes {
  scopes: Map<string, EnvScope>;
  /** The source of every template that could be read, by its absolute path: the rules render these, not the files again. */
  templates: Map<string, string>;
  errors: Diagnostic[];
}

/** Every scope directory with its entries, and the errors in their files. Scope names are checked later, against the roles. */
export function loadEnvScopes(root: string): LoadedEnvScopes {
  const loaded: LoadedEnvScopes = { scopes: new Map(), templates: new Map(), errors: [] };
  const base = join(root, "envdirs");
  if (!existsSync(base)) return loaded;
  const listing = listDirectory(base, "envdirs");
  if ("problem" in listing) return at(loaded, "envdirs", listing.problem);
  for (const dirent of listing.entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (dirent.name.startsWith(".")) continue;
    const rel = `envdirs/${dirent.name}`;
    const dir = join(base, dirent.name);
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      at(loaded, rel, "expected a directory (an env scope such as common/, review/, api/), found a file");
      continue;
    }
    const entries = loadScope(dir, rel, loaded, root);
    if (entries) loaded.scopes.set(dirent.name, { name: dirent.name, dir, entries });
  }
  return loaded;
}

/**
 * One env directory outside the stack (`boot --env-dir`): the box's own layer, for what must not be baked
 * (secrets, the endpoints of managed databases). The same rules as a scope of envdirs/; errors name its path.
 */
export function loadEnvDir(dir: string): { entries?: EnvEntry[]; errors: Diagnostic[] } {
  const loaded: LoadedEnvScopes = { scopes: new Map(), templates: new Map(), errors: [] };
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return { errors: [{ file: dir, line: 1, col: 1, message: "expected a directory of env files (one file per variable, chpst envdir format)" }] };
  const entries = loadScope(dir, dir, loaded)?.map((e): EnvEntry => ({ ...e, own: true }));
  return { entries: loaded.errors.length ? undefined : entries, errors: loaded.errors };
}

function at(loaded: LoadedEnvScopes, file: string, message: string): LoadedEnvScopes {
  loaded.errors.push({ file, line: 1, col: 1, message });
  return loaded;
}

// The entries of one scope directory; each file is read once, here, so nothing it holds can surprise a later step.
/** `root`: the stack root, which no entry may lead out of (absent for --env-dir, whose symlinks are refused). */
function loadScope(dir: string, rel: string, loaded: LoadedEnvScopes, root?: string): EnvEntry[] | undefined {
  const listing = listDirectory(dir, `${rel}/`);
  if ("problem" in listing) {
    at(loaded, rel, listing.problem);
    return undefined;
  }
  const entries: EnvEntry[] = [];
  const seen = new Map<string, string>();
  for (const file of listing.entries.map((e) => e.name).sort()) {
    // chpst skips dotfiles; so do we (.gitkeep, editor swap files).
    if (file.startsWith(".")) continue;
    const relFile = `${rel}/${file}`;
    const path = join(dir, file);
    const template = file.endsWith(".hbs");
    const name = template ? file.slice(0, -4) : file;
    const problem = entryProblem(path, name) ?? (root === undefined ? undefined : leavesRoot(root, path));
    if (problem) {
      at(loaded, relFile, problem);
      continue;
    }
    const other = seen.get(name);
    if (other) {
      at(loaded, relFile, `"${name}" is defined twice in ${rel}/ (${other} and ${file}); keep one`);
      continue;
    }
    seen.set(name, file);
    if (readEntry({ name, path, template }, relFile, loaded)) entries.push({ name, path, template });
  }
  return entries;
}

/** Larger than this, an env file is refused by its size, unread: its first line (the value) could not fit anyway. */
const MAX_ENV_FILE_BYTES = 16 << 20;

// What makes a directory entry no variable at all, before anything opens it.
function entryProblem(path: string, name: string): string | undefined {
  const link = lstatSync(path);
  const target = statSync(path, { throwIfNoEntry: false });
  if (link.isSymbolicLink() && !target) return "dangling symlink: chpst would silently give this variable the previous file's value; fix or remove the link";
  if (target?.isDirectory()) return "unexpected directory inside an env scope: chpst ignores it; move its files up or remove it";
  if (target && target.size > MAX_ENV_FILE_BYTES) {
    return `a file of ${target.size} bytes, not read: a variable is its file's first line, which exec bounds to ${MAX_ENV_STRING} bytes; keep large data in a file the app reads and put its path here`;
  }
  if (!VARIABLE_PATTERN.test(name)) {
    const why = name.includes("=") ? ' (chpst would make the part after "=" part of the value)' : "";
    return `invalid variable name "${name}": expected [A-Za-z_][A-Za-z0-9_]*${why}`;
  }
  return undefined;
}

// Reads one entry: a template's source is kept for the rules; a plain value must fit in what exec accepts.
function readEntry(entry: EnvEntry, relFile: string, loaded: LoadedEnvScopes): boolean {
  const read = readRegularFile(entry.path, relFile);
  if ("problem" in read) {
    at(loaded, relFile, read.problem);
    return false;
  }
  if (entry.template) {
    loaded.templates.set(entry.path, read.content.toString("utf8"));
    return true;
  }
  const value = envFileValueBytes(read.content);
  const tooLong = value && envValueTooLong(entry.name, value.length);
  if (tooLong) at(loaded, relFile, tooLong);
  return !tooLong;
}
