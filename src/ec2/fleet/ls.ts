// `fleet ls` on EC2: every box that carries `unibox:mode`, found by its tags, with its health asked a few at a time.
import type { Filter, Instance } from "@aws-sdk/client-ec2";
import type { FleetBox } from "../../review/types.js";
import { BOX_TAG, tagMap } from "../box-tags.js";
import { resolveDeps, type Ec2BoxDeps } from "../deps.js";
import { askHealth, DEFAULT_STATUS_PORT, healthUrl } from "../health.js";
import { describeInstances, instanceAddress, launchedAt, LIVE_STATES, stateOf } from "../instances.js";
import { HEALTH_CONCURRENCY, mapLimit } from "../parallel.js";

export interface Ec2FleetLsOptions {
  /** Only boxes of this `unibox:mode`. */
  mode?: string;
  /** Only boxes of this `unibox:service`. */
  service?: string;
  /** The boxes' unibox.status port (default 9100). */
  statusPort?: number;
}

/** The DescribeInstances filters of `fleet ls`. */
export function fleetFilters(options: Ec2FleetLsOptions): Filter[] {
  return [
    { Name: "tag-key", Values: [BOX_TAG.mode] },
    ...(options.mode ? [{ Name: `tag:${BOX_TAG.mode}`, Values: [options.mode] }] : []),
    ...(options.service ? [{ Name: `tag:${BOX_TAG.service}`, Values: [options.service] }] : []),
    { Name: "instance-state-name", Values: LIVE_STATES },
  ];
}

/** Every live instance tagged `unibox:mode` (optionally of one mode and service); `healthy` null unless running and answering. */
export async function ec2FleetLs(deps: Ec2BoxDeps, options: Ec2FleetLsOptions = {}): Promise<FleetBox[]> {
  const d = resolveDeps(deps);
  const instances = await describeInstances(d, fleetFilters(options), "listing the fleet");
  const boxes = await mapLimit(instances, HEALTH_CONCURRENCY, async (instance) => {
    const address = instanceAddress(instance);
    const healthy = stateOf(instance) === "running" && address ? (await askHealth(d, healthUrl(address, options.statusPort ?? DEFAULT_STATUS_PORT))).healthy : null;
    return toFleetBox(instance, healthy);
  });
  return boxes.sort((a, b) => a.mode.localeCompare(b.mode) || (a.service ?? "").localeCompare(b.service ?? "") || a.name.localeCompare(b.name));
}

/** One instance as `fleet ls` reports it. */
export function toFleetBox(instance: Instance, healthy: boolean | null): FleetBox {
  const tags = tagMap(instance.Tags);
  const address = instanceAddress(instance);
  const launched = launchedAt(instance);
  return {
    name: tags[BOX_TAG.box] ?? instance.InstanceId ?? "",
    target: "ec2",
    mode: tags[BOX_TAG.mode] ?? "",
    ...(tags[BOX_TAG.service] ? { service: tags[BOX_TAG.service] } : {}),
    ...(tags[BOX_TAG.component] ? { component: tags[BOX_TAG.component] } : {}),
    image: instance.ImageId ?? "",
    state: stateOf(instance),
    healthy,
    ...(instance.InstanceId ? { instanceId: instance.InstanceId } : {}),
    ...(address ? { address } : {}),
    ...(launched ? { launchedAt: launched } : {}),
  };
}
