// Removes an AMI a failed build left (Image Builder's DeleteImage keeps AMIs): deregister it, delete its snapshots.
import { DeleteSnapshotCommand, DeregisterImageCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { describeAwsError, errorName } from "./aws-errors.js";
import { deleteSnapshotCommand, deregisterCommand } from "./manual.js";
import type { Ec2Sender } from "./options.js";
import { withRetry, type RetryOptions } from "./retry.js";

/** What could not be removed: a line each for the user, and the commands that finish the job. */
export interface Leftovers {
  problems: string[];
  manual: string[];
}

/** Deregisters `amiId` and deletes each of its snapshots; what fails is added to `leftovers`, the rest still runs. */
export async function removeAmi(
  ec2: Ec2Sender,
  amiId: string,
  region: string,
  policy: Omit<RetryOptions, "alsoRetry">,
  leftovers: Leftovers,
  progress: (message: string) => void,
): Promise<void> {
  const retry = <T>(send: () => Promise<T>, alsoRetry: string[] = []) => withRetry(send, { ...policy, alsoRetry });
  let snapshots: string[] = [];
  try {
    const described = await retry(() => ec2.send(new DescribeImagesCommand({ ImageIds: [amiId] })));
    snapshots = (described.Images ?? []).flatMap((image) => (image.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId).filter((id): id is string => !!id));
  } catch (error) {
    // Already gone: nothing to deregister. Anything else: still try to deregister; the snapshots stay unknown.
    if (errorName(error) === "InvalidAMIID.NotFound") return;
    leftovers.problems.push(`could not read the snapshots of ${amiId}: ${describeAwsError(error)}`);
    leftovers.manual.push(`aws ec2 describe-images --image-ids ${amiId} --region ${region} (then delete each snapshot it lists)`);
  }

  progress(`deregistering the AMI ${amiId}`);
  try {
    await retry(() => ec2.send(new DeregisterImageCommand({ ImageId: amiId })));
  } catch (error) {
    if (errorName(error) !== "InvalidAMIID.NotFound" && errorName(error) !== "InvalidAMIID.Unavailable") {
      leftovers.problems.push(`could not deregister the AMI ${amiId}: ${describeAwsError(error)}`);
      leftovers.manual.push(deregisterCommand(amiId, region), ...snapshots.map((id) => deleteSnapshotCommand(id, region)));
      // A snapshot of a registered AMI cannot be deleted: leave them to the commands above.
      return;
    }
  }

  for (const snapshotId of snapshots) {
    progress(`deleting the snapshot ${snapshotId}`);
    try {
      // Right after a deregistration EC2 may still count the snapshot as in use.
      await retry(() => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })), ["InvalidSnapshot.InUse"]);
    } catch (error) {
      if (errorName(error) === "InvalidSnapshot.NotFound") continue;
      leftovers.problems.push(`could not delete the snapshot ${snapshotId} of ${amiId}: ${describeAwsError(error)}`);
      leftovers.manual.push(deleteSnapshotCommand(snapshotId, region));
    }
  }
}
