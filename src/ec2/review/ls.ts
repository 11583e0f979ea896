// `review ls` on EC2: every review box unibox launched, with its health asked a few at a time.
import type { ReviewBox } from "../../review/types.js";
import { resolveDeps, type Ec2BoxDeps } from "../deps.js";
import { askHealth, DEFAULT_STATUS_PORT, healthUrl } from "../health.js";
import { instanceAddress, stateOf } from "../instances.js";
import { HEALTH_CONCURRENCY, mapLimit } from "../parallel.js";
import { DEFAULT_URL_PORT, toReviewBox } from "../review-box.js";
import { listReviewInstances } from "./list.js";

/** The ports boxes listen on; the defaults unless they were launched with others. */
export interface Ec2ReviewLsOptions {
  statusPort?: number;
  urlPort?: number;
}

/** Every review box unibox launched on EC2 (pending to stopped), by name; `healthy` null when not running or unreachable. */
export async function ec2ReviewLs(deps: Ec2BoxDeps, options: Ec2ReviewLsOptions = {}): Promise<ReviewBox[]> {
  const d = resolveDeps(deps);
  const instances = await listReviewInstances(d);
  const boxes = await mapLimit(instances, HEALTH_CONCURRENCY, async (instance) => {
    const address = instanceAddress(instance);
    const healthy = stateOf(instance) === "running" && address ? (await askHealth(d, healthUrl(address, options.statusPort ?? DEFAULT_STATUS_PORT))).healthy : null;
    return toReviewBox(instance, healthy, options.urlPort ?? DEFAULT_URL_PORT);
  });
  return boxes.sort((a, b) => a.name.localeCompare(b.name) || a.createdAt.localeCompare(b.createdAt));
}
