// No two instances on one box share a port, in any mode (replica i listens on port + i).
import { boxVariants } from "../boxes.js";
import type { Diagnostic } from "../diagnostic.js";
import type { Rule } from "./rule.js";

export const portsRule: Rule = ({ roles }) => {
  const errors: Diagnostic[] = [];
  const reported = new Set<string>();
  for (const box of boxVariants(roles.values())) {
    const ranges = box.members
      .filter((m) => m.component.port !== undefined)
      .map(({ role, component }) => {
        const rule = component.replicas[box.mode];
        const start = component.port!;
        const count = "fixed" in rule ? rule.fixed : (rule.max ?? Infinity);
        return { role, component, start, end: start + count - 1, open: count === Infinity };
      })
      .sort((a, b) => a.start - b.start);
    for (const r of ranges) {
      if (r.end > 65535 && !r.open) {
        const key = `range:${r.role.name}.${r.component.name}`;
        if (!reported.has(key)) {
          reported.add(key);
          errors.push(r.role.yaml.diagnostic(portPath(r.role, r.component.name), `${r.role.name}.${r.component.name}: replica ports run to ${r.end}, past 65535`));
        }
      }
    }
    for (let i = 0; i < ranges.length; i++) {
      for (let j = i + 1; j < ranges.length && ranges[j].start <= ranges[i].end; j++) {
        const [a, b] = [ranges[i], ranges[j]];
        const key = [`${a.role.name}.${a.component.name}`, `${b.role.name}.${b.component.name}`].sort().join("|");
        if (reported.has(key)) continue;
        reported.add(key);
        const span = (r: typeof a) => (r.open ? `${r.start} and up (replicas per CPU without a max)` : r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`);
        const hint = a.open ? `; set replicas.max on ${a.role.name}.${a.component.name} or move a port` : "; move one of the ports";
        errors.push(
          b.role.yaml.diagnostic(
            portPath(b.role, b.component.name),
            `port collision on ${box.label}: ${b.role.name}.${b.component.name} uses ${span(b)}, ${a.role.name}.${a.component.name} uses ${span(a)}${hint}`,
          ),
        );
      }
    }
  }
  return errors;
};

function portPath(role: { yaml: { value: unknown } }, component: string): (string | number)[] {
  const v = role.yaml.value as { components?: unknown };
  return v.components ? ["components", component, "port"] : ["port"];
}
