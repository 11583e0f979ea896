// Deletes a security group, retrying while EC2 still counts it as used (the builder is terminating).
import { DeleteSecurityGroupCommand } from "@aws-sdk/client-ec2";
import { pollRounds } from "../../../shared/poll.js";
import { CleanupFailure } from "../../runner.js";
import { errorName, errorText } from "./aws-error.js";
import type { CleanupOptions } from "./cleanup-options.js";
import { formatDuration } from "./duration.js";
import { deleteCommand } from "./manual.js";
import { NOT_FOUND_AFTER_CREATE, withRetry } from "./retry.js";
import { sleep } from "./sleep.js";

const GONE = [NOT_FOUND_AFTER_CREATE.group, NOT_FOUND_AFTER_CREATE.groupId];

/** Deletes `groupId`; one already gone counts as deleted. Throws a CleanupFailure with the command to run by hand. */
export async function deleteSecurityGroup(groupId: string, options: CleanupOptions): Promise<void> {
  const { ec2, timing, signal } = options;
  const manual = [deleteCommand("security-group", groupId)];
  let inUse: unknown;
  const result = await pollRounds({ timeoutMs: timing.cleanupTimeoutMs, intervalMs: timing.pollMs, sleep: (ms) => sleep(ms, signal) }, async () => {
    try {
      await withRetry(() => ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }), { abortSignal: signal }), { policy: timing.retry, signal, retryOn: GONE });
      return { done: true, value: undefined };
    } catch (error) {
      const name = errorName(error);
      if (GONE.includes(name as (typeof GONE)[number])) return { done: true, value: undefined };
      if (name !== "DependencyViolation") {
        throw new CleanupFailure(`could not delete the security group ${groupId}: ${errorText(error)}`, manual, { cause: error });
      }
      inUse = error;
      options.progress?.(`${groupId} is still in use (an instance is still terminating): trying again`);
      return { done: false, value: undefined };
    }
  });
  if (!result.done) {
    throw new CleanupFailure(`could not delete the security group ${groupId}: still in use after ${formatDuration(timing.cleanupTimeoutMs)} (${errorText(inUse)})`, manual, { cause: inUse });
  }
}
