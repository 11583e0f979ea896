// Loads envdirs/<scope>/<NAME>: configuration in chpst's envdir format, one directory per scope.
import { existsSync, lstatSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostic } from "../diagnostic.js";
import { VARIABLE_PATTERN } from "../names.js";
import type { EnvEntry, EnvScope } from "../types.js";

/** Every scope directory with its entries, and the errors in their files. Scope names are checked later, against the roles. */
export function loadEnvScopes(root: string): { scopes: Map<string, EnvScope>; errors: Diagnostic[] } {
  const scopes = new Map<string, EnvScope>();
  const errors: Diagnostic[] = [];
  const base = join(root, "envdirs");
  if (!existsSync(base)) return { scopes, errors };
  const at = (file: string, message: string) => errors.push({ file, line: 1, col: 1, message });

  for (const dirent of readdirSync(base, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (dirent.name.startsWith(".")) continue;
    const rel = `envdirs/${dirent.name}`;
    const dir = join(base, dirent.name);
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      at(rel, "expected a directory (an env scope such as common/, review/, api/), found a file");
      continue;
    }
    const entries: EnvEntry[] = [];
    const seen = new Map<string, string>();
    for (const file of readdirSync(dir).sort()) {
      // chpst skips dotfiles; so do we (.gitkeep, editor swap files).
      if (file.startsWith(".")) continue;
      const relFile = `${rel}/${file}`;
      const path = join(dir, file);
      const template = file.endsWith(".hbs");
      const name = template ? file.slice(0, -4) : file;
      const link = lstatSync(path);
      const target = statSync(path, { throwIfNoEntry: false });
      if (link.isSymbolicLink() && !target) {
        at(relFile, "dangling symlink: chpst would silently give this variable the previous file's value; fix or remove the link");
        continue;
      }
      if (target?.isDirectory()) {
        at(relFile, "unexpected directory inside an env scope: chpst ignores it; move its files up or remove it");
        continue;
      }
      if (!VARIABLE_PATTERN.test(name)) {
        const why = name.includes("=") ? " (chpst would make the part after \"=\" part of the value)" : "";
        at(relFile, `invalid variable name "${name}": expected [A-Za-z_][A-Za-z0-9_]*${why}`);
        continue;
      }
      const other = seen.get(name);
      if (other) {
        at(relFile, `"${name}" is defined twice in ${rel}/ (${other} and ${file}); keep one`);
        continue;
      }
      seen.set(name, file);
      entries.push({ name, path, template });
    }
    scopes.set(dirent.name, { name: dirent.name, dir, entries });
  }
  return { scopes, errors };
}
