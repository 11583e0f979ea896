// In which groups instances stop: dependents before what they need, the reverse of the start order.

/** What the order needs to know of an instance. */
export interface Stoppable {
  name: string;
  service: string;
  /** Services this one's service needs. */
  needs: string[];
}

/** Groups of instances that can stop together, first group first (reverse start levels). */
export function stopLevels(instances: Stoppable[]): string[][] {
  const byService = new Map<string, Stoppable[]>();
  for (const i of instances) byService.set(i.service, [...(byService.get(i.service) ?? []), i]);
  const level = new Map<string, number>();
  const serviceLevel = (service: string, seen: Set<string>): number => {
    const known = level.get(service);
    if (known !== undefined) return known;
    // A cycle (validation refuses them; a hand-edited record might not): break it here.
    if (seen.has(service)) return 0;
    seen.add(service);
    const needs = (byService.get(service) ?? []).flatMap((i) => i.needs).filter((n) => byService.has(n));
    const l = needs.length === 0 ? 0 : 1 + Math.max(...needs.map((n) => serviceLevel(n, seen)));
    level.set(service, l);
    return l;
  };
  const levels: string[][] = [];
  for (const [service, members] of byService) (levels[serviceLevel(service, new Set())] ??= []).push(...members.map((m) => m.name));
  return levels.filter(Boolean).reverse();
}
