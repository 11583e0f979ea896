// Terminates an instance and waits until it is gone, so the security group it used can be deleted after it.
// The wait is a plain poll rather than the SDK's waitUntilInstanceTerminated: that waiter gives up as soon
// as it sees `pending` or `stopping`, which an instance cancelled right after launch can still show.
import { DescribeInstancesCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { pollRounds } from "../../../shared/poll.js";
import { CleanupFailure } from "../../runner.js";
import { errorName, errorText } from "./aws-error.js";
import type { CleanupOptions } from "./cleanup-options.js";
import { formatDuration } from "./duration.js";
import { deleteCommand } from "./manual.js";
import { NOT_FOUND_AFTER_CREATE, withRetry } from "./retry.js";
import { sleep } from "./sleep.js";

/** Terminates `instanceId` and waits for `terminated`; throws a CleanupFailure with the command to run by hand. */
export async function terminateInstance(instanceId: string, options: CleanupOptions): Promise<void> {
  const { ec2, timing, signal } = options;
  const manual = [deleteCommand("instance", instanceId)];
  const retry = { policy: timing.retry, signal, retryOn: [NOT_FOUND_AFTER_CREATE.instance] };
  try {
    await withRetry(() => ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal: signal }), retry);
  } catch (error) {
    // Still unknown after every retry: never launched, or terminated so long ago EC2 forgot it.
    if (errorName(error) === NOT_FOUND_AFTER_CREATE.instance) return;
    throw new CleanupFailure(`could not terminate the builder instance ${instanceId}: ${errorText(error)}`, manual, { cause: error });
  }
  options.progress?.(`waiting for ${instanceId} to terminate`);
  const wait = await pollRounds({ timeoutMs: timing.cleanupTimeoutMs, intervalMs: timing.pollMs, sleep: (ms) => sleep(ms, signal) }, async () => {
    let state: string;
    try {
      const out = await withRetry(() => ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal: signal }), { policy: timing.retry, signal });
      state = out.Reservations?.[0]?.Instances?.[0]?.State?.Name ?? "terminated";
    } catch (error) {
      if (errorName(error) !== NOT_FOUND_AFTER_CREATE.instance) {
        throw new CleanupFailure(`could not check that the builder instance ${instanceId} terminated: ${errorText(error)}`, manual, { cause: error });
      }
      state = "terminated";
    }
    return { done: state === "terminated", value: state };
  });
  if (!wait.done) {
    throw new CleanupFailure(`the builder instance ${instanceId} was told to terminate but is still ${wait.value} after ${formatDuration(timing.cleanupTimeoutMs)}`, manual);
  }
}
