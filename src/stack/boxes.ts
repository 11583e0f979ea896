// The kinds of box a stack can make: one review box, and per service a box of all or one component.
import { MODES, type Mode } from "./names.js";
import type { Component, ReplicaRule, Role } from "./types.js";

export interface BoxVariant {
  mode: Mode;
  /** For messages: "a review box", "a production box of api.web". */
  label: string;
  members: { role: Role; component: Component }[];
}

/** Whether a rule can give a component at least one replica (0 only when fixed 0 or max 0). */
export function canRun(rule: ReplicaRule): boolean {
  return "fixed" in rule ? rule.fixed > 0 : rule.max === undefined || rule.max > 0;
}

/** Every box the stack can produce, with the components running on each. */
export function boxVariants(roles: Iterable<Role>): BoxVariant[] {
  const all = [...roles];
  const variants: BoxVariant[] = [];
  const members = (rs: Role[], mode: Mode, only?: string) =>
    rs.flatMap((role) =>
      role.components.filter((c) => (only === undefined || c.name === only) && canRun(c.replicas[mode])).map((component) => ({ role, component })),
    );
  variants.push({ mode: "review", label: "a review box", members: members(all.filter((r) => r.modes.includes("review")), "review") });
  for (const mode of MODES.filter((m) => m !== "review")) {
    for (const role of all.filter((r) => r.modes.includes(mode))) {
      variants.push({ mode, label: `a ${mode} box of ${role.name}`, members: members([role], mode) });
      if (role.components.length > 1) {
        for (const c of role.components) {
          variants.push({ mode, label: `a ${mode} box of ${role.name}.${c.name}`, members: members([role], mode, c.name) });
        }
      }
    }
  }
  return variants;
}
