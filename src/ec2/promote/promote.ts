// `promote BOX` on EC2: CreateImage of a healthy review box unibox launched, tagged with where it came from,
// sealed once available, then handed to `afterImage` (the launch-template update). A failure after CreateImage
// deregisters the AMI and deletes its snapshots: an image is promoted whole, or not at all.
import { CreateImageCommand, CreateTagsCommand } from "@aws-sdk/client-ec2";
import { RuntimeFailure, UsageError } from "../../errors.js";
import { awsFailure, errorText } from "../../image/targets/ec2/aws-error.js";
import { deleteImageAndSnapshots } from "../../image/targets/ec2/delete-image.js";
import { imagesOfBuild, snapshotsOfBuild } from "../../image/targets/ec2/lookup.js";
import { BUILD_ID_TAG } from "../../image/targets/ec2/names.js";
import { SEALED } from "../../image/targets/ec2/provenance-tags.js";
import { NOT_FOUND_AFTER_CREATE, withRetry } from "../../image/targets/ec2/retry.js";
import { waitForImageAvailable } from "../../image/targets/ec2/sdk-waiters.js";
import { CleanupFailure } from "../../image/runner.js";
import { refsOf, tagMap } from "../box-tags.js";
import { resolveDeps, type Ec2BoxDeps, type ResolvedDeps } from "../deps.js";
import { withCleanupReport } from "../failure.js";
import { findOurBoxes } from "../find-box.js";
import { askHealth, DEFAULT_STATUS_PORT, healthUrl } from "../health.js";
import { instanceAddress, stateOf } from "../instances.js";
import { promotedImageName, promotionId, promotionTags } from "./image-tags.js";
import { parentImage } from "./parent-image.js";

/** CreateImage of a whole box (with its reboot) can take this long. */
export const DEFAULT_IMAGE_TIMEOUT_MS = 60 * 60_000;

export interface Ec2PromoteOptions {
  box: string;
  /** The launch template `afterImage` updates: named in progress lines only. */
  launchTemplate?: string;
  /** Called with the sealed AMI's id; its result is reported as `launchTemplate`. A throw removes the AMI. */
  afterImage?: (amiId: string) => Promise<unknown>;
  /** The box's unibox.status port (default 9100). */
  statusPort?: number;
}

export interface Ec2PromoteResult {
  /** The new AMI. */
  id: string;
  promotedFrom: { box: string; instanceId: string; image: string };
  /** repo -> commit (inherited from the parent AMI) or `ref:<ref>` (a `--ref` of the box). */
  repos: Record<string, string>;
  healthVerifiedAt: string;
  launchTemplate?: unknown;
}

/**
 * Promotes review box `options.box`. UsageError when it is not a review box unibox launched; RuntimeFailure,
 * nothing created, when it is not running and answering 200 on /health right now or its parent AMI is not sealed.
 */
export async function ec2Promote(deps: Ec2BoxDeps, options: Ec2PromoteOptions): Promise<Ec2PromoteResult> {
  const d = resolveDeps(deps, DEFAULT_IMAGE_TIMEOUT_MS);
  const { box } = options;
  const found = await findOurBoxes(d, box, "promote");
  if (found.length > 1) {
    throw new UsageError(`${found.length} instances are review box ${box}: ${found.map((i) => i.InstanceId).join(", ")}; promote needs exactly one`, {
      details: [`take the extra ones down by hand (aws ec2 terminate-instances --instance-ids ...)`],
    });
  }
  const instance = found[0];
  const instanceId = instance.InstanceId!;
  const address = instanceAddress(instance);
  if (stateOf(instance) !== "running" || !address) {
    throw new RuntimeFailure(`review box ${box} (${instanceId}) is ${stateOf(instance)}: only a running, healthy box is promoted; nothing was created`);
  }
  const url = healthUrl(address, options.statusPort ?? DEFAULT_STATUS_PORT);
  const health = await askHealth(d, url);
  if (health.healthy !== true) {
    throw new RuntimeFailure(`review box ${box} is not healthy right now (${url}: ${health.detail}): only a healthy box is promoted; nothing was created`, {
      details: [`see what is down: unibox status on the box, or unibox review ls --target ec2`],
    });
  }
  const healthVerifiedAt = d.now().toISOString();
  const parent = await parentImage(d, instance.ImageId ?? "", box);
  const now = d.now();
  const { tags, repos } = promotionTags({ box, instanceId, parent, refs: refsOf(tagMap(instance.Tags)), running: health.repos, healthVerifiedAt, now });
  const name = promotedImageName(box, now);
  const buildId = promotionId(box, now);

  d.progress(`imaging ${instanceId} as ${name} (the box reboots once)`);
  let imageId: string;
  try {
    const out = await withRetry(
      () =>
        d.ec2.send(
          new CreateImageCommand({
            InstanceId: instanceId,
            Name: name,
            Description: `unibox review box ${box} (${instanceId}), healthy at ${healthVerifiedAt}, promoted from ${parent.ImageId}`,
            // The reboot stops runit gracefully, so the image holds no half-written file; the box converges again at its next boot.
            NoReboot: false,
            TagSpecifications: [
              { ResourceType: "image", Tags: tags },
              { ResourceType: "snapshot", Tags: tags },
            ],
          }),
          { abortSignal: d.signal },
        ),
      { policy: d.retry, signal: d.signal },
    );
    if (!out.ImageId) throw new RuntimeFailure("CreateImage answered without an image id");
    imageId = out.ImageId;
  } catch (error) {
    const failure = error instanceof RuntimeFailure ? error : awsFailure(`imaging review box ${box} (${instanceId})`, "ec2:CreateImage and ec2:CreateTags", error);
    throw withCleanupReport(failure, `promote ${box}`, await removeImage(d, undefined, buildId));
  }

  let snapshotIds: string[] = [];
  try {
    d.progress(`waiting for ${imageId} to become available`);
    const signal = d.signal ?? new AbortController().signal;
    const image = await waitForImageAvailable(d.ec2, imageId, { timeoutMs: d.timeoutMs, pollMs: d.pollMs, signal });
    snapshotIds = (image.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId ?? "").filter(Boolean);
    await seal(d, [imageId, ...snapshotIds]);
    d.progress(`${imageId} sealed`);
    let launchTemplate: unknown;
    if (options.afterImage) {
      d.progress(`handing ${imageId} on${options.launchTemplate ? ` to the launch template ${options.launchTemplate}` : ""}`);
      launchTemplate = await options.afterImage(imageId);
    }
    return {
      id: imageId,
      promotedFrom: { box, instanceId, image: parent.ImageId ?? "" },
      repos,
      healthVerifiedAt,
      ...(options.afterImage ? { launchTemplate } : {}),
    };
  } catch (error) {
    throw withCleanupReport(error, `promote ${box}`, await removeImage(d, imageId, buildId, snapshotIds));
  }
}

// The sealed mark, last and on its own: until it is there, nothing takes the AMI for a finished one.
async function seal(d: ResolvedDeps, resources: string[]): Promise<void> {
  try {
    await withRetry(() => d.ec2.send(new CreateTagsCommand({ Resources: resources, Tags: [SEALED] }), { abortSignal: d.signal }), {
      policy: d.retry,
      signal: d.signal,
      retryOn: [NOT_FOUND_AFTER_CREATE.image, NOT_FOUND_AFTER_CREATE.snapshot],
    });
  } catch (error) {
    throw awsFailure(`sealing ${resources.join(", ")}`, "ec2:CreateTags", error);
  }
}

// Deregisters the AMI (or those a lost CreateImage response made, found by the promotion's build id) and deletes
// its snapshots; returns lines for the user: what was removed, or what to remove by hand. Ignores the caller's
// signal: it runs after a cancel too.
async function removeImage(d: ResolvedDeps, imageId: string | undefined, buildId: string, known: string[] = []): Promise<string[]> {
  const lines: string[] = [];
  const filter = `--filters Name=tag:${BUILD_ID_TAG},Values=${buildId}`;
  let images = imageId ? [imageId] : [];
  if (!imageId) {
    try {
      images = await imagesOfBuild(d.ec2, buildId, d.retry);
    } catch (error) {
      lines.push(`could not check whether an AMI was made all the same: ${errorText(error)}`, `look by hand: aws ec2 describe-images --owners self ${filter}`);
    }
  }
  // By tag as well: a snapshot may exist before the AMI's block device mappings name it.
  let snapshots = known;
  try {
    snapshots = [...new Set([...known, ...(await snapshotsOfBuild(d.ec2, buildId, d.retry))])];
  } catch (error) {
    lines.push(`could not look for its snapshots: ${errorText(error)}`, `look by hand: aws ec2 describe-snapshots --owner-ids self ${filter}`);
  }
  if (!images.length && !snapshots.length) return lines;
  for (const [i, id] of (images.length ? images : [undefined]).entries()) {
    try {
      const removed = await deleteImageAndSnapshots(id, i === 0 ? snapshots : [], { ec2: d.ec2, timing: d.timing, progress: d.progress });
      lines.push(`removed ${removed.map((r) => r.name).join(", ") || "nothing"}: nothing is left of the promotion`);
    } catch (error) {
      if (!(error instanceof CleanupFailure)) throw error;
      lines.push(error.message, ...error.manual.map((m) => `by hand: ${m}`));
    }
  }
  return lines;
}
