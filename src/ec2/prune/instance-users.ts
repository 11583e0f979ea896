// AMIs an instance was launched from and still exists (stopped ones included: they start again from their volumes,
// but a user who kept one expects its AMI to be there).
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { awsFailure } from "../../image/targets/ec2/aws-error.js";
import { allPages } from "../../image/targets/ec2/pages.js";
import { withRetry } from "../../image/targets/ec2/retry.js";
import { chunks } from "../../shared/chunks.js";
import type { ResolvedPruneDeps } from "./deps.js";
import { addUse, type ImageUses } from "./uses.js";

/** Every instance state but terminated. */
export const LIVE_INSTANCE_STATES = ["pending", "running", "shutting-down", "stopping", "stopped"];

/** Which of `imageIds` a non-terminated instance runs. */
export async function imagesRunByInstances(deps: Pick<ResolvedPruneDeps, "ec2" | "retry" | "signal">, imageIds: string[], uses: ImageUses): Promise<void> {
  const { ec2, signal } = deps;
  try {
    for (const slice of chunks(imageIds, 200)) {
      const pages = await allPages((token) =>
        withRetry(
          () =>
            ec2.send(
              new DescribeInstancesCommand({
                Filters: [
                  { Name: "image-id", Values: slice },
                  { Name: "instance-state-name", Values: LIVE_INSTANCE_STATES },
                ],
                NextToken: token,
              }),
              { abortSignal: signal },
            ),
          { policy: deps.retry, signal },
        ),
      );
      for (const instance of pages.flatMap((p) => p.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        if (!instance.ImageId || !instance.InstanceId) continue;
        addUse(uses, instance.ImageId, { resource: instance.InstanceId, text: `instance ${instance.InstanceId} (${instance.State?.Name ?? "unknown"}) runs it` });
      }
    }
  } catch (error) {
    throw awsFailure("finding the instances that run unibox AMIs", "ec2:DescribeInstances", error);
  }
}
