// What one box can hold, in any mode: no two instances share a port (replica i listens on port + i).
import { boxVariants, type BoxVariant } from "../boxes.js";
import type { Diagnostic } from "../diagnostic.js";
import type { Component, Role } from "../types.js";
import type { Rule } from "./rule.js";

interface PortRange {
  role: Role;
  component: Component;
  start: number;
  end: number;
  /** Replicas per CPU without a max: the range has no end. */
  open: boolean;
}

export const portsRule: Rule = ({ roles }) => {
  const errors: Diagnostic[] = [];
  // A problem shows on every box that has both components: report it on the first only.
  const reported = new Set<string>();
  const once = (key: string, diagnostic: () => Diagnostic) => {
    if (reported.has(key)) return;
    reported.add(key);
    errors.push(diagnostic());
  };
  for (const box of boxVariants(roles.values())) {
    const ranges = portRanges(box);
    for (const r of ranges) {
      if (r.end > 65535 && !r.open) {
        once(`range:${nameOf(r)}`, () => r.role.yaml.diagnostic(portPath(r), `${nameOf(r)}: replica ports run to ${r.end}, past 65535`));
      }
    }
    for (const [a, b] of collisions(ranges)) {
      once([nameOf(a), nameOf(b)].sort().join("|"), () => collisionDiagnostic(box, a, b));
    }
  }
  return errors;
};

function portRanges(box: BoxVariant): PortRange[] {
  return box.members
    .filter((m) => m.component.port !== undefined)
    .map(({ role, component }) => {
      const rule = component.replicas[box.mode];
      const start = component.port!;
      const count = "fixed" in rule ? rule.fixed : (rule.max ?? Infinity);
      return { role, component, start, end: start + count - 1, open: count === Infinity };
    })
    .sort((a, b) => a.start - b.start);
}

// One sweep over ranges sorted by start: each range that overlaps an earlier one is paired with the earlier range
// reaching furthest, which it surely overlaps. Every colliding component is named at least once, in n log n, where
// listing every overlapping pair would be quadratic on a box of many ranges sharing one port.
function collisions(sorted: PortRange[]): [PortRange, PortRange][] {
  const found: [PortRange, PortRange][] = [];
  let furthest: PortRange | undefined;
  for (const r of sorted) {
    if (furthest && r.start <= furthest.end) found.push([furthest, r]);
    if (!furthest || r.end > furthest.end) furthest = r;
  }
  return found;
}

function collisionDiagnostic(box: BoxVariant, a: PortRange, b: PortRange): Diagnostic {
  const span = (r: PortRange) => (r.open ? `${r.start} and up (replicas per CPU without a max)` : r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`);
  const hint = a.open ? `; set replicas.max on ${nameOf(a)} or move a port` : "; move one of the ports";
  return b.role.yaml.diagnostic(portPath(b), `port collision on ${box.label}: ${nameOf(b)} uses ${span(b)}, ${nameOf(a)} uses ${span(a)}${hint}`);
}

function nameOf(r: PortRange): string {
  return `${r.role.name}.${r.component.name}`;
}

function portPath(r: PortRange): (string | number)[] {
  const v = r.role.yaml.value as { components?: unknown };
  return v.components ? ["components", r.component.name, "port"] : ["port"];
}
