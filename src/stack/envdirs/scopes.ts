// Which env scopes apply to an instance, outermost first (DESIGN.md §1, layers 1-6).
import { isMode, MODES, type Mode } from "../names.js";
import { closest } from "../../shared/suggest.js";
import type { Role } from "../types.js";

/** Scope names for one instance, outermost first; layer 7 (generated) is the runtime's. */
export function scopeChain(mode: Mode, service: string, component: string): string[] {
  return ["common", mode, service, `${service}.${component}`, `${mode}.${service}`, `${mode}.${service}.${component}`];
}

/** Every scope name the stack makes meaningful. */
export function knownScopes(roles: Iterable<Role>): Set<string> {
  const names = new Set<string>(["common", ...MODES]);
  for (const role of roles) {
    names.add(role.name);
    for (const mode of role.modes) names.add(`${mode}.${role.name}`);
    for (const c of role.components) {
      names.add(`${role.name}.${c.name}`);
      for (const mode of role.modes) names.add(`${mode}.${role.name}.${c.name}`);
    }
  }
  return names;
}

/** Why `name` is not a scope, with the likely intended one. */
export function explainUnknownScope(name: string, roles: Map<string, Role>, known: Set<string>): string {
  const parts = name.split(".");
  const guess = closest(name, known);
  const hint = guess ? ` (did you mean "${guess}"?)` : "";
  if (parts.length >= 2 && isMode(parts[0])) {
    const role = roles.get(parts[1]);
    if (role && !role.modes.includes(parts[0])) {
      return `envdirs/${name}/ names mode "${parts[0]}", but ${role.name} does not run in it (modes: ${role.modes.join(", ")})`;
    }
  }
  return `envdirs/${name}/ names no scope${hint}: expected common, a mode, <service>, <service>.<component>, <mode>.<service> or <mode>.<service>.<component>`;
}
