// Removes one AMI for good: deregisters it, then deletes every snapshot behind it (a deregistered AMI leaves its
// snapshots behind, billed, unless they are deleted too). Whatever fails is returned with the command that
// removes it by hand; nothing here throws, so the prune goes on with the next AMI.
import { DeregisterImageCommand, type Image } from "@aws-sdk/client-ec2";
import { errorName, errorText } from "../../image/targets/ec2/aws-error.js";
import { deleteSnapshot } from "../../image/targets/ec2/delete-image.js";
import { deleteCommand } from "../../image/targets/ec2/manual.js";
import { NOT_FOUND_AFTER_CREATE, withRetry } from "../../image/targets/ec2/retry.js";
import type { ResolvedPruneDeps } from "./deps.js";
import { snapshotsOf } from "./list-images.js";


/** Something a prune could not remove, and how to remove it by hand. */
export interface RemovalFailure {
  /** The AMI or snapshot id. */
  resource: string;
  error: string;
  deleteByHand: string[];
}

export interface ImageRemoval {
  deregistered: boolean;
  /** The snapshots deleted. */
  snapshots: string[];
  failures: RemovalFailure[];
}

// No abort signal on these calls: an AMI once deregistered has its snapshots deleted too, Ctrl-C or not.
type RemoveDeps = Pick<ResolvedPruneDeps, "ec2" | "retry" | "pollMs" | "snapshotTimeoutMs" | "progress">;

/** Deregisters `image` and deletes its snapshots; reports what it could not do. */
export async function removeImage(deps: RemoveDeps, image: Image): Promise<ImageRemoval> {
  const imageId = image.ImageId!;
  const snapshotIds = snapshotsOf(image);
  deps.progress(`deregistering ${imageId}`);
  try {
    await withRetry(() => deps.ec2.send(new DeregisterImageCommand({ ImageId: imageId })), { policy: deps.retry });
  } catch (error) {
    if (errorName(error) !== NOT_FOUND_AFTER_CREATE.image) {
      // EC2 refuses to delete a snapshot a registered AMI still uses: the AMI goes first, by hand.
      return {
        deregistered: false,
        snapshots: [],
        failures: [{ resource: imageId, error: errorText(error), deleteByHand: [deleteCommand("ami", imageId), ...snapshotIds.map((s) => deleteCommand("snapshot", s))] }],
      };
    }
  }
  const removal: ImageRemoval = { deregistered: true, snapshots: [], failures: [] };
  for (const snapshotId of snapshotIds) {
    deps.progress(`deleting ${snapshotId} (of ${imageId})`);
    const failure = await deleteSnapshot(deps.ec2, snapshotId, { timeoutMs: deps.snapshotTimeoutMs, pollMs: deps.pollMs, retry: deps.retry });
    if (failure) removal.failures.push({ resource: snapshotId, error: failure, deleteByHand: [deleteCommand("snapshot", snapshotId)] });
    else removal.snapshots.push(snapshotId);
  }
  return removal;
}

