// How many replicas a component gets on a box of `cpus` vCPUs.
import { MAX_REPLICAS } from "../stack/roles/schema.js";
import type { ReplicaRule } from "../stack/types.js";

/** Fixed counts as written; per-CPU counts rounded up, then held within min and max. */
export function replicaCount(rule: ReplicaRule, cpus: number): number {
  if ("fixed" in rule) return rule.fixed;
  const wanted = Math.max(rule.min, Math.ceil(rule.perCpu * cpus));
  // Without a max, the most one box runs: however many vCPUs it is told it has.
  return Math.min(rule.max ?? MAX_REPLICAS, wanted);
}
