// How many replicas a component gets on a box of `cpus` vCPUs.
import type { ReplicaRule } from "../stack/types.js";

/** Fixed counts as written; per-CPU counts rounded up, then held within min and max. */
export function replicaCount(rule: ReplicaRule, cpus: number): number {
  if ("fixed" in rule) return rule.fixed;
  const wanted = Math.max(rule.min, Math.ceil(rule.perCpu * cpus));
  return rule.max === undefined ? wanted : Math.min(rule.max, wanted);
}
