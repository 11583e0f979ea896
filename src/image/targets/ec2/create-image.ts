// Step 4: CreateImage from the stopped builder, then the SDK's waiter until the AMI is available. A build that
// did not succeed takes the half-made AMI and its snapshots with it.
import { CreateImageCommand } from "@aws-sdk/client-ec2";
import { CleanupFailure, type Step } from "../../runner.js";
import { awsFailure, errorText } from "./aws-error.js";
import { deleteImageAndSnapshots } from "./delete-image.js";
import { imagesOfBuild, lookupForCleanup, snapshotsOfBuild } from "./lookup.js";
import { buildTags, imageName } from "./names.js";
import { withRetry } from "./retry.js";
import { waitForImageAvailable } from "./sdk-waiters.js";
import type { Ec2BuildState } from "./state.js";

/** The CreateImage input of a build. */
export function createImageInput(state: Ec2BuildState) {
  const { buildId, fingerprint } = state.input;
  const name = imageName(fingerprint, buildId);
  const tags = buildTags({ ...state.input, startedAt: state.startedAt }, name);
  return {
    InstanceId: state.instanceId,
    Name: name,
    Description: `unibox image ${fingerprint}, build ${buildId}`,
    TagSpecifications: [
      { ResourceType: "image" as const, Tags: tags },
      { ResourceType: "snapshot" as const, Tags: tags },
    ],
  };
}

/** Creates the AMI and waits for it; on a failed or cancelled build its cleanup deregisters it and deletes its snapshots. */
export const createImageStep: Step<Ec2BuildState> = {
  name: "create-image",
  title: "create the AMI from the builder",
  async run(state, ctx) {
    const { ec2, timing } = state.settings;
    state.sent.image = true;
    try {
      const out = await withRetry(() => ec2.send(new CreateImageCommand(createImageInput(state)), { abortSignal: ctx.signal }), {
        policy: timing.retry,
        signal: ctx.signal,
      });
      state.imageId = out.ImageId;
    } catch (error) {
      throw awsFailure(`creating the AMI from the builder ${state.instanceId}`, "ec2:CreateImage and ec2:CreateTags", error);
    }
    ctx.progress(`waiting for ${state.imageId} to become available`);
    // The waiter retries InvalidAMIID.NotFound itself: right after the create, the id may not be visible yet.
    const image = await waitForImageAvailable(ec2, state.imageId!, { timeoutMs: timing.imageTimeoutMs, pollMs: timing.pollMs, signal: ctx.signal });
    state.snapshotIds = (image.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId ?? "").filter(Boolean);
    state.imageCreated = image.CreationDate;
  },
  async cleanup(state, ctx) {
    // A sealed AMI is the build's product; only scaffolding goes on success.
    if (ctx.succeeded || !state.sent.image) return;
    const { ec2, timing } = state.settings;
    const { buildId } = state.input;
    const images = state.imageId ? [state.imageId] : await lookupForCleanup("ami", buildId, () => imagesOfBuild(ec2, buildId, timing.retry));
    // By tag as well: a snapshot may exist before the AMI's block device mappings name it, or after the AMI is gone.
    let listFailure: unknown;
    const tagged = await snapshotsOfBuild(ec2, buildId, timing.retry).catch((error: unknown) => {
      listFailure = error;
      return [] as string[];
    });
    const snapshots = [...new Set([...state.snapshotIds, ...tagged])];
    for (const [i, imageId] of (images.length ? images : [undefined]).entries()) {
      await deleteImageAndSnapshots(imageId, i === 0 ? snapshots : [], { ec2, timing, progress: ctx.progress });
    }
    if (listFailure) {
      throw new CleanupFailure(`could not look for the snapshots this build may have left: ${errorText(listFailure)}`, [
        `aws ec2 describe-snapshots --owner-ids self --filters Name=tag:unibox:build-id,Values=${buildId} --query 'Snapshots[].SnapshotId'`,
      ]);
    }
  },
};
