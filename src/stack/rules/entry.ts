// At most one `entry: true` component on any box: the box has one URL (a review box's router).
import { boxVariants } from "../boxes.js";
import type { Diagnostic } from "../diagnostic.js";
import type { Component, Role } from "../types.js";
import type { Rule } from "./rule.js";

export const entryRule: Rule = ({ roles }) => {
  const errors: Diagnostic[] = [];
  // The same pair shows on every box that has both: report it on the first only, as port collisions are.
  const reported = new Set<string>();
  for (const box of boxVariants(roles.values())) {
    const entries = box.members.filter((m) => m.component.entry);
    const [first, ...others] = entries;
    for (const other of others) {
      const key = [nameOf(first.role, first.component), nameOf(other.role, other.component)].sort().join("|");
      if (reported.has(key)) continue;
      reported.add(key);
      errors.push(
        other.role.yaml.diagnostic(
          entryPath(other.role, other.component),
          `two entries on ${box.label}: ${nameOf(other.role, other.component)} and ${nameOf(first.role, first.component)} both say "entry: true"; a box has one URL: keep it on one of them`,
          "key",
        ),
      );
    }
  }
  return errors;
};

function nameOf(role: Role, component: Component): string {
  return `${role.name}.${component.name}`;
}

function entryPath(role: Role, component: Component): (string | number)[] {
  const v = role.yaml.value as { components?: unknown };
  return v.components ? ["components", component.name, "entry"] : ["entry"];
}
