// Finding instances by their tags: every page of DescribeInstances, and what a box reports of one.
import { paginateDescribeInstances, type EC2Client, type Filter, type Instance } from "@aws-sdk/client-ec2";
import { awsFailure } from "../image/targets/ec2/aws-error.js";
import { withRetry } from "../image/targets/ec2/retry.js";
import type { ResolvedDeps } from "./deps.js";

/** Every state but `shutting-down` and `terminated`: an instance that is, or can again be, a box. */
export const LIVE_STATES = ["pending", "running", "stopping", "stopped"];

/**
 * Every instance matching `filters`, through the SDK's paginator (every page). A throttled listing is asked again
 * from its first page: reads are safe to repeat. The paginator wants an EC2Client (it checks `instanceof`), which
 * the CLI passes and the tests' mocked clients are; the narrow seam is cast here, once.
 */
export async function describeInstances(deps: ResolvedDeps, filters: Filter[], doing: string): Promise<Instance[]> {
  const { ec2, signal } = deps;
  try {
    return await withRetry(
      async () => {
        const instances: Instance[] = [];
        for await (const page of paginateDescribeInstances({ client: ec2 as EC2Client }, { Filters: filters }, { abortSignal: signal })) {
          instances.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
        }
        return instances;
      },
      { policy: deps.retry, signal },
    );
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
