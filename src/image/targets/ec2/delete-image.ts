// Removes a half-made AMI: deregisters it, then deletes its snapshots (an AMI's snapshots outlive it and
// cost money). Snapshots still being written or still held by the AMI are retried within the cleanup bound.
import { DeleteSnapshotCommand, DeregisterImageCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { pollRounds } from "../../../shared/poll.js";
import type { PlannedResource } from "../../types.js";
import { CleanupFailure } from "../../runner.js";
import { errorName, errorText } from "./aws-error.js";
import type { CleanupOptions } from "./cleanup-options.js";
import { deleteCommand } from "./manual.js";
import { NOT_FOUND_AFTER_CREATE, withRetry } from "./retry.js";
import { sleep } from "./sleep.js";

const SNAPSHOT_BUSY = ["InvalidSnapshot.InUse", "IncorrectState"];

/**
 * Deregisters `imageId` (when there is one) and deletes its snapshots and `snapshotIds`; returns what it removed.
 * Every removal is tried; a CleanupFailure lists each one that failed, with its `aws ec2 …` command.
 */
export async function deleteImageAndSnapshots(imageId: string | undefined, snapshotIds: string[], options: CleanupOptions): Promise<PlannedResource[]> {
  const { ec2, timing, signal } = options;
  const snapshots = new Set(snapshotIds);
  const removed: PlannedResource[] = [];
  const problems: string[] = [];
  const manual: string[] = [];
  let imageLeft = false;

  if (imageId) {
    try {
      const out = await withRetry(() => ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }), { abortSignal: signal }), {
        policy: timing.retry,
        signal,
        retryOn: [NOT_FOUND_AFTER_CREATE.image],
      });
      for (const mapping of out.Images?.[0]?.BlockDeviceMappings ?? []) if (mapping.Ebs?.SnapshotId) snapshots.add(mapping.Ebs.SnapshotId);
    } catch (error) {
      // Without the mappings, the snapshots the caller found (by tag) are all there is; the deregistration is
      // still tried. Knowing of none, some may be missed: that is worth a word.
      if (errorName(error) !== NOT_FOUND_AFTER_CREATE.image && snapshots.size === 0) {
        problems.push(`could not read the snapshots of ${imageId}, so none was deleted: ${errorText(error)}`);
      }
    }
    options.progress?.(`deregistering ${imageId}`);
    try {
      await withRetry(() => ec2.send(new DeregisterImageCommand({ ImageId: imageId }), { abortSignal: signal }), { policy: timing.retry, signal });
      removed.push({ kind: "ami", name: imageId });
    } catch (error) {
      if (errorName(error) === NOT_FOUND_AFTER_CREATE.image) {
        removed.push({ kind: "ami", name: imageId, detail: "already gone" });
      } else {
        imageLeft = true;
        problems.push(`could not deregister ${imageId}: ${errorText(error)}`);
        manual.push(deleteCommand("ami", imageId));
      }
    }
  }

  for (const snapshotId of snapshots) {
    if (imageLeft) {
      // EC2 refuses to delete a snapshot a registered AMI still uses: the AMI goes first, by hand.
      manual.push(deleteCommand("snapshot", snapshotId));
      continue;
    }
    options.progress?.(`deleting ${snapshotId}`);
    const why = await deleteSnapshot(options.ec2, snapshotId, { timeoutMs: options.timing.cleanupTimeoutMs, pollMs: options.timing.pollMs, retry: options.timing.retry, signal: options.signal });
    const failure = why && `could not delete ${snapshotId}: ${why}`;
    if (failure) {
      problems.push(failure);
      manual.push(deleteCommand("snapshot", snapshotId));
    } else {
      removed.push({ kind: "snapshot", name: snapshotId });
    }
  }

  if (problems.length || manual.length) {
    throw new CleanupFailure(problems.join("; ") || `the snapshots of ${imageId} are still used by it`, manual);
  }
  return removed;
}

/**
 * Deletes one snapshot, retrying while EC2 still holds it (a moment after its AMI is deregistered); undefined
 * when it is gone, else why not. Shared by the build's cleanup and `image prune`.
 */
export async function deleteSnapshot(
  ec2: CleanupOptions["ec2"],
  snapshotId: string,
  options: { timeoutMs: number; pollMs: number; retry: CleanupOptions["timing"]["retry"]; signal?: AbortSignal },
): Promise<string | undefined> {
  const { signal } = options;
  let busy: unknown;
  try {
    const result = await pollRounds({ timeoutMs: options.timeoutMs, intervalMs: options.pollMs, sleep: (ms) => sleep(ms, signal) }, async () => {
      try {
        await withRetry(() => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }), { abortSignal: signal }), { policy: options.retry, signal });
        return { done: true, value: undefined };
      } catch (error) {
        const name = errorName(error);
        if (name === NOT_FOUND_AFTER_CREATE.snapshot) return { done: true, value: undefined };
        if (!SNAPSHOT_BUSY.includes(name)) throw error;
        busy = error;
        return { done: false, value: undefined };
      }
    });
    return result.done ? undefined : `still in use (${errorText(busy)})`;
  } catch (error) {
    return errorText(error);
  }
}
