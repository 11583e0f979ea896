// The SDK's waiters, behind the narrow seam. They are typed to take a whole EC2Client but only call its
// `send`, so the one cast of the seam lives here. Their outcomes become errors a user can act on.
import { DescribeImagesCommand, waitUntilImageAvailable, type EC2Client, type Image } from "@aws-sdk/client-ec2";
import { RuntimeFailure } from "../../../errors.js";
import { errorName } from "./aws-error.js";
import { formatDuration } from "./duration.js";
import type { Ec2Sender } from "./settings.js";

/** Waits until `imageId` is `available` and returns it (with its snapshots); fails if it fails, times out or is cancelled. */
export async function waitForImageAvailable(ec2: Ec2Sender, imageId: string, options: { timeoutMs: number; pollMs: number; signal: AbortSignal }): Promise<Image> {
  // Waiter delays are in seconds; maxWaitTime must exceed minDelay, which must not exceed maxDelay.
  const minDelay = Math.min(options.pollMs, options.timeoutMs / 2) / 1000;
  try {
    const result = await waitUntilImageAvailable(
      { client: ec2 as EC2Client, maxWaitTime: options.timeoutMs / 1000, minDelay, maxDelay: Math.max(minDelay, (4 * options.pollMs) / 1000), abortSignal: options.signal },
      { ImageIds: [imageId] },
    );
    return result.reason?.Images?.[0] ?? { ImageId: imageId };
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    const state = await describeState(ec2, imageId);
    if (errorName(error) === "TimeoutError") {
      throw new RuntimeFailure(`the AMI ${imageId} was not available within ${formatDuration(options.timeoutMs)} (it is ${state.state}): raise the image timeout`, { cause: error });
    }
    throw new RuntimeFailure(`the AMI ${imageId} ended ${state.state}${state.reason ? ` (${state.reason})` : ""}: expected available; EC2 could not snapshot the builder's volume`, { cause: error });
  }
}

// For the message only: the state and reason EC2 gives now; a failure to ask is not the failure to report.
async function describeState(ec2: Ec2Sender, imageId: string): Promise<{ state: string; reason?: string }> {
  try {
    const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0];
    return { state: image?.State ?? "unknown", reason: image?.StateReason?.Message };
  } catch {
    return { state: "unknown" };
  }
}
