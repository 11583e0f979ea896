// `needs:` names known services, not itself, and forms no cycle.
import { didYouMean } from "../../shared/suggest.js";
import type { Diagnostic } from "../diagnostic.js";
import type { Rule } from "./rule.js";

export const needsRule: Rule = ({ roles, serviceNames }) => {
  const errors: Diagnostic[] = [];
  for (const role of roles.values()) {
    role.needs.forEach((need, i) => {
      if (need === role.name) {
        errors.push(role.yaml.diagnostic(["needs", i], `"${role.name}" needs itself; remove it from needs`));
      } else if (!serviceNames.has(need)) {
        errors.push(role.yaml.diagnostic(["needs", i], `needs unknown service "${need}"${didYouMean(need, serviceNames)}; expected one of: ${[...serviceNames].sort().join(", ")}`));
      }
    });
  }
  // Cycles: depth-first search; each cycle reported once, at the need that closes it.
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string) => {
    state.set(name, "visiting");
    stack.push(name);
    const role = roles.get(name)!;
    role.needs.forEach((need, i) => {
      if (need === name || !roles.has(need)) return;
      if (state.get(need) === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(need)), need];
        errors.push(role.yaml.diagnostic(["needs", i], `needs cycle: ${cycle.join(" -> ")}; one of them must not wait for the other`));
      } else if (!state.has(need)) visit(need);
    });
    stack.pop();
    state.set(name, "done");
  };
  for (const name of [...roles.keys()].sort()) if (!state.has(name)) visit(name);
  return errors;
};
