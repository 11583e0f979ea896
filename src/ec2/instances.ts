// Finding instances by their tags: every page of DescribeInstances, and what a box reports of one.
import { DescribeInstancesCommand, type Filter, type Instance } from "@aws-sdk/client-ec2";
import { awsFailure } from "../image/targets/ec2/aws-error.js";
import { allPages } from "../image/targets/ec2/pages.js";
import { withRetry } from "../image/targets/ec2/retry.js";
import type { ResolvedDeps } from "./deps.js";

/** Every state but `shutting-down` and `terminated`: an instance that is, or can again be, a box. */
export const LIVE_STATES = ["pending", "running", "stopping", "stopped"];

/** Every instance matching `filters`, through every page. */
export async function describeInstances(deps: ResolvedDeps, filters: Filter[], doing: string): Promise<Instance[]> {
  const { ec2, signal } = deps;
  try {
    const pages = await allPages((NextToken) =>
      withRetry(() => ec2.send(new DescribeInstancesCommand({ Filters: filters, NextToken }), { abortSignal: signal }), { policy: deps.retry, signal }),
    );
    return pages.flatMap((p) => (p.Reservations ?? []).flatMap((r) => r.Instances ?? []));
  } catch (error) {
    throw awsFailure(doing, "ec2:DescribeInstances", error);
  }
}

/** The address a person (and unibox) reaches the box on: its public IP when it has one, else its private IP. */
export function instanceAddress(instance: Instance): string | undefined {
  return instance.PublicIpAddress || instance.PrivateIpAddress || undefined;
}

/** The instance's state name (`running`, `stopped`, …). */
export function stateOf(instance: Instance): string {
  return instance.State?.Name ?? "unknown";
}

/** LaunchTime as ISO (the SDK gives a Date; a hand-made response may give a string). */
export function launchedAt(instance: Instance): string | undefined {
  const t = instance.LaunchTime as Date | string | undefined;
  if (t === undefined) return undefined;
  return t instanceof Date ? t.toISOString() : new Date(t).toISOString();
}
