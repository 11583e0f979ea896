// Stack + tags + facts -> plan, as every command that plans a box needs it.
import { availableParallelism, userInfo } from "node:os";
import { readTags, type ReadTagsOptions } from "../identity/resolve.js";
import { identityFromTags, type Identity } from "../identity/tags.js";
import { loadStack } from "../stack/load.js";
import type { Stack } from "../stack/types.js";
import { buildPlan, type BoxFacts, type Plan } from "./plan.js";

/** What the user asked for, typed. */
export interface PlanRequest {
  root: string;
  identity: ReadTagsOptions;
  /** vCPUs to plan per-CPU replicas for; default this machine's. */
  cpus?: number;
  portOffset: number;
}

/** Where the box keeps things, from the box handle: the plan's paths depend on it. */
export interface BoxLayout {
  /** `<prefix>/var/lib/unibox` */
  stateRoot: string;
  /** `<prefix>/opt/unibox/apps` */
  appsDir: string;
  /** Booted from a baked image (it has a manifest), or straight from a stack definition. */
  fromImage: boolean;
  /** The image's runtime bin dirs (empty when not from an image). */
  runtimeBins: string[];
}

/** Loads the stack first (exit 2 before anything else), then the tags (exit 3), then plans. */
export async function loadPlan(request: PlanRequest, layout: BoxLayout): Promise<{ stack: Stack; identity: Identity; plan: Plan; facts: BoxFacts }> {
  const stack = loadStack(request.root, { baked: layout.fromImage });
  const { tags, facts: found } = await readTags(request.identity);
  const identity = identityFromTags(tags, stack);
  const facts: BoxFacts = {
    instanceId: found.instanceId,
    privateIp: found.privateIp,
    cpus: request.cpus ?? availableParallelism(),
    portOffset: request.portOffset,
    source: layout.fromImage ? "image" : "stack",
    appsDir: layout.appsDir,
    stateRoot: layout.stateRoot,
    runtimeBins: layout.runtimeBins,
    invokingUser: userInfo().username,
  };
  return { stack, identity, plan: buildPlan(stack, identity, facts), facts };
}
