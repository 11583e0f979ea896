// Start order: a service after everything it needs; ties by name, so the order is stable.
import type { Role } from "../stack/types.js";

/** Roles in start order (Kahn's algorithm); `needs` outside `roles` are ignored (not on this box). */
export function startOrder(roles: Role[]): Role[] {
  const byName = new Map(roles.map((r) => [r.name, r]));
  const pending = new Map(roles.map((r) => [r.name, r.needs.filter((n) => byName.has(n) && n !== r.name).length]));
  const dependents = new Map<string, string[]>();
  for (const r of roles) for (const n of r.needs) if (byName.has(n) && n !== r.name) dependents.set(n, [...(dependents.get(n) ?? []), r.name]);
  const ready = [...pending].filter(([, n]) => n === 0).map(([name]) => name).sort();
  const out: Role[] = [];
  while (ready.length > 0) {
    const name = ready.shift()!;
    out.push(byName.get(name)!);
    for (const d of dependents.get(name) ?? []) {
      const left = pending.get(d)! - 1;
      pending.set(d, left);
      if (left === 0) {
        ready.push(d);
        ready.sort();
      }
    }
  }
  // Validation rejects cycles; should one slip through, keep the rest in name order rather than drop them.
  for (const r of [...roles].sort((a, b) => a.name.localeCompare(b.name))) if (!out.includes(r)) out.push(r);
  return out;
}
