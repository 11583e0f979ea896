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

/** Every box the stack can produce, with the components running on each; linear in the number of components. */
export function boxVariants(roles: Iterable<Role>): BoxVariant[] {
  const all = [...roles];
  const running = (role: Role, mode: Mode, components: Component[] = role.components) =>
    components.filter((c) => canRun(c.replicas[mode])).map((component) => ({ role, component }));
  const review = all.filter((r) => r.modes.includes("review")).flatMap((role) => running(role, "review"));
  const variants: BoxVariant[] = [{ mode: "review", label: "a review box", members: review }];
  for (const mode of MODES.filter((m) => m !== "review")) {
    for (const role of all.filter((r) => r.modes.includes(mode))) {
      variants.push({ mode, label: `a ${mode} box of ${role.name}`, members: running(role, mode) });
      if (role.components.length === 1) continue;
      // A box of one component: its own members, not a filter over all of them (that made validate quadratic).
      for (const c of role.components) {
        variants.push({ mode, label: `a ${mode} box of ${role.name}.${c.name}`, members: running(role, mode, [c]) });
      }
    }
  }
  return variants;
}
