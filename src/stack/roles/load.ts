// Loads roles/*.yaml: one file per service, the file name is the service name.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostic } from "../diagnostic.js";
import { NAME_PATTERN, RESERVED_NAMES } from "../names.js";
import { leavesRoot, listDirectory } from "../../shared/read-file.js";
import { parseWithSchema } from "../schema-errors.js";
import type { Role } from "../types.js";
import { readYamlFile } from "../yaml-file.js";
import { normaliseRole } from "./normalise.js";
import { roleSchema } from "./schema.js";

/** Every role that loaded, and every error found while loading them. */
export function loadRoles(root: string): { roles: Map<string, Role>; names: Set<string>; errors: Diagnostic[] } {
  const roles = new Map<string, Role>();
  // Every service with a file, valid or not: other rules must not report a broken role as unknown.
  const names = new Set<string>();
  const errors: Diagnostic[] = [];
  const dir = join(root, "roles");
  if (!existsSync(dir)) {
    errors.push({ file: "roles", line: 1, col: 1, message: "missing roles/ directory: a stack needs at least one roles/<service>.yaml" });
    return { roles, names, errors };
  }
  const listing = listDirectory(dir, "roles/");
  if ("problem" in listing) {
    errors.push({ file: "roles", line: 1, col: 1, message: listing.problem });
    return { roles, names, errors };
  }
  const files = listing.entries
    .filter((e) => !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  for (const name of files) {
    const file = `roles/${name}`;
    if (name.endsWith(".yml")) {
      errors.push({ file, line: 1, col: 1, message: `role files end in ".yaml": rename to roles/${name.slice(0, -4)}.yaml` });
      continue;
    }
    if (!name.endsWith(".yaml")) {
      const what = statSync(join(dir, name), { throwIfNoEntry: false })?.isDirectory() ? "directory" : "file";
      errors.push({ file, line: 1, col: 1, message: `unexpected ${what} in roles/: expected <service>.yaml files only` });
      continue;
    }
    const service = name.slice(0, -".yaml".length);
    names.add(service);
    if (!NAME_PATTERN.test(service)) {
      errors.push({ file, line: 1, col: 1, message: `service name "${service}" (the file name) must match [a-z][a-z0-9-]*: lowercase, digits, dashes, no dots` });
    } else if (RESERVED_NAMES.has(service)) {
      errors.push({ file, line: 1, col: 1, message: `"${service}" is reserved (review, staging, production, common, unibox) and cannot name a service; rename the file` });
    }
    const out = leavesRoot(root, join(dir, name));
    if (out) {
      errors.push({ file, line: 1, col: 1, message: out });
      continue;
    }
    const { yaml, errors: syntax } = readYamlFile(join(dir, name), file, "a role file");
    errors.push(...syntax);
    if (!yaml) continue;
    if (yaml.value === null || typeof yaml.value !== "object" || Array.isArray(yaml.value)) {
      errors.push(yaml.diagnostic([], "expected a map of role keys (command: or components:, ...)"));
      continue;
    }
    const { data, errors: shape } = parseWithSchema(roleSchema, yaml);
    errors.push(...shape);
    if (!data) continue;
    const { role, errors: rules } = normaliseRole(service, yaml, data);
    errors.push(...rules);
    if (role) roles.set(service, role);
  }
  if (files.length === 0) errors.push({ file: "roles", line: 1, col: 1, message: "no roles/<service>.yaml found: a stack needs at least one service" });
  return { roles, names, errors };
}
