// Stack + tags + facts -> plan, as every command that acts on a box needs it.
import { cpus, intOption, invokingUser, tagWaitMs, type BoxOptions, type CommonOptions, type IdentityOptions } from "../cli/options.js";
import { existsSync } from "node:fs";
import { boxPaths } from "../runtime/paths.js";
import { readTags } from "../identity/resolve.js";
import { identityFromTags, type Identity } from "../identity/tags.js";
import { loadStack } from "../stack/load.js";
import type { Stack } from "../stack/types.js";
import { buildPlan, type BoxFacts, type Plan } from "./plan.js";

export type PlanOptions = CommonOptions & IdentityOptions & BoxOptions & { prefix?: string };

/** Loads the stack first (exit 2 before anything else), then the tags (exit 3), then plans. */
export async function loadPlan(
  options: PlanOptions,
  overrides: Partial<BoxFacts> = {},
): Promise<{ stack: Stack; identity: Identity; plan: Plan; facts: BoxFacts }> {
  const stack = loadStack(options.root);
  const { tags, facts: found } = await readTags({ tagsFile: options.tagsFile, tags: options.tag ?? [], tagWaitMs: tagWaitMs(options) });
  const identity = identityFromTags(tags, stack);
  const paths = boxPaths(options.prefix ?? "/");
  // A box booted from an image has the image's manifest; roles then run from the baked checkouts.
  const fromImage = existsSync(`${paths.opt}/manifest.json`);
  const facts: BoxFacts = {
    instanceId: found.instanceId,
    privateIp: found.privateIp,
    cpus: cpus(options),
    portOffset: intOption(options.portOffset, "--port-offset", 0),
    source: fromImage ? "image" : "stack",
    appsDir: `${paths.opt}/apps`,
    stateRoot: paths.stateRoot,
    invokingUser: invokingUser(),
    ...overrides,
  };
  return { stack, identity, plan: buildPlan(stack, identity, facts), facts };
}
