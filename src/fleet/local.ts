// `unibox fleet ls` on this machine: the review boxes and the boxes `boot --image` started, found in the store,
// each described from what the box itself saved (its plan) and answers (its health endpoint).
import type { Store } from "../image/store.js";
import type { Plan } from "../plan/plan.js";
import { openBox } from "../runtime/box.js";
import { probeHealth } from "../review/health-probe.js";
import { boxDirs, listRecords } from "../review/local/box-record.js";
import type { FleetBox } from "../review/types.js";
import { bootedBoxes } from "./local-registry.js";

export async function localFleetLs(store: Store, filter: { mode?: string; service?: string }): Promise<FleetBox[]> {
  const reviewPrefixes = new Map(listRecords(store).map((r) => [boxDirs(store, r.name).prefix, r.name]));
  const candidates = [
    ...[...reviewPrefixes].map(([prefix, name]) => ({ prefix, name, image: listRecords(store).find((r) => r.name === name)!.image })),
    ...bootedBoxes(store)
      .filter((b) => !reviewPrefixes.has(b.prefix))
      .map((b) => ({ prefix: b.prefix, name: b.prefix, image: b.image })),
  ];
  const boxes = await Promise.all(
    candidates.map(async (c): Promise<FleetBox> => {
      const saved = openBox(c.prefix).saved;
      // A review box stopped (promoted, or taken down by hand) is still a review box: its record says so.
      const what = reviewPrefixes.has(c.prefix) ? { mode: "review" } : saved ? describePlan(saved.plan) : { mode: "unknown" };
      const healthy = saved ? await probeHealth(saved.statusUrl) : null;
      return { name: c.name, target: "local", ...what, image: c.image, state: saved ? (healthy === null ? "stopped" : "running") : "stopped", healthy };
    }),
  );
  return boxes.filter((b) => (!filter.mode || b.mode === filter.mode) && (!filter.service || b.service === filter.service));
}

// A production box runs one service (and maybe one component of it); a review box runs them all.
function describePlan(plan: Plan): { mode: string; service?: string; component?: string } {
  if (plan.mode === "review") return { mode: plan.mode };
  const services = new Set(plan.instances.map((i) => i.service));
  const components = new Set(plan.instances.map((i) => i.component));
  return { mode: plan.mode, ...(services.size === 1 ? { service: [...services][0] } : {}), ...(components.size === 1 ? { component: [...components][0] } : {}) };
}
