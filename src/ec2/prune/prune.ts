// `unibox image prune --keep N` on EC2: removes the older unibox AMIs nothing uses, with their snapshots.
// An AMI is kept when any check says it is in use; a check that fails stops the prune before anything is removed.
import type { Image } from "@aws-sdk/client-ec2";
import { RuntimeFailure, UniboxError, UsageError } from "../../errors.js";
import { resolvePruneDeps, type PruneDeps } from "./deps.js";
import { imagesOfAutoScalingGroups } from "./group-images.js";
import { referencedImages } from "./image-references.js";
import { imagesRunByInstances } from "./instance-users.js";
import { listUniboxImages, PROMOTED_TAG, snapshotsOf, tagValue } from "./list-images.js";
import { removeImage, type RemovalFailure } from "./remove-image.js";
import type { ImageUses } from "./uses.js";

export interface PruneOptions {
  /** How many of the newest unibox AMIs to keep whatever uses them. */
  keep: number;
  /** Say what would be removed; remove nothing. */
  dryRun: boolean;
  /** Also remove promoted AMIs (tag unibox:promoted-from-box) that nothing uses; by default they are kept. */
  includePromoted: boolean;
}

export interface PruneResult {
  /** Removed (dry run: would be removed), newest first, each with its snapshots deleted (would be deleted). */
  removed: { imageId: string; created?: string; snapshots: string[] }[];
  /** Kept, newest first, with why. */
  kept: { imageId: string; created?: string; reason: string }[];
  /** What could not be removed, with the commands that remove it by hand; the CLI should exit 1 when any. */
  failed: RemovalFailure[];
  dryRun: boolean;
}

/** Removes every unibox AMI of this account except the newest `keep`, the in-use ones and (unless asked) the promoted ones. */
export async function ec2ImagePrune(deps: PruneDeps, opts: PruneOptions): Promise<PruneResult> {
  if (!Number.isInteger(opts.keep) || opts.keep < 0) throw new UsageError(`the number of AMIs to keep must be a whole number of 0 or more, not ${opts.keep}`);
  const d = resolvePruneDeps(deps);
  const images = await listUniboxImages(d);
  const result: PruneResult = { removed: [], kept: [], failed: [], dryRun: opts.dryRun };
  const created = (image: Image) => (image.CreationDate ? { created: image.CreationDate } : {});
  const keep = (image: Image, reason: string) => {
    result.kept.push({ imageId: image.ImageId!, ...created(image), reason });
    d.progress(`keeping ${image.ImageId}: ${reason}`);
  };

  const candidates: Image[] = [];
  images.forEach((image, index) => {
    const promotedFrom = tagValue(image, PROMOTED_TAG);
    if (index < opts.keep) keep(image, `one of the newest ${opts.keep}`);
    else if (image.State === "pending") keep(image, "still pending: a build may be making it");
    else if (promotedFrom !== undefined && !opts.includePromoted) keep(image, `promoted from the box ${promotedFrom}: promoted AMIs are pruned only when included`);
    else candidates.push(image);
  });
  if (!candidates.length) return result;

  const uses = await findUses(d, candidates.map((i) => i.ImageId!));
  for (const image of candidates) {
    const users = uses.get(image.ImageId!);
    if (users?.length) {
      keep(image, `in use: ${users.map((u) => u.text).join("; ")}`);
      continue;
    }
    if (d.signal?.aborted) throw cancelled(result, d.signal.reason);
    if (opts.dryRun) {
      result.removed.push({ imageId: image.ImageId!, ...created(image), snapshots: snapshotsOf(image) });
      d.progress(`would remove ${image.ImageId} and ${snapshotsOf(image).length} snapshot(s)`);
      continue;
    }
    const removal = await removeImage(d, image);
    if (removal.deregistered) result.removed.push({ imageId: image.ImageId!, ...created(image), snapshots: removal.snapshots });
    result.failed.push(...removal.failures);
  }
  // The cheap reasons were found first; the report reads newest first, like `image ls`.
  const order = new Map(images.map((image, index) => [image.ImageId!, index]));
  result.kept.sort((a, b) => order.get(a.imageId)! - order.get(b.imageId)!);
  return result;
}

// Ctrl-C between two AMIs: the one being removed was finished; say what was done and what is left to delete.
function cancelled(result: PruneResult, cause: unknown): RuntimeFailure {
  return new RuntimeFailure(`prune cancelled after removing ${result.removed.length} AMI(s)`, {
    cause,
    details: [
      ...result.removed.map((r) => `removed ${r.imageId}${r.snapshots.length ? ` and ${r.snapshots.join(", ")}` : ""}`),
      ...result.failed.flatMap((f) => [`could not remove ${f.resource}: ${f.error}`, ...f.deleteByHand.map((c) => `  delete by hand: ${c}`)]),
    ],
  });
}

// Every kind of use, for the candidates only; failing to ask is failing the prune, since an AMI whose use is
// unknown must not be removed.
async function findUses(d: ReturnType<typeof resolvePruneDeps>, imageIds: string[]): Promise<ImageUses> {
  const uses: ImageUses = new Map();
  try {
    await imagesRunByInstances(d, imageIds, uses);
    await imagesOfAutoScalingGroups(d, uses);
    await referencedImages(d, imageIds, uses);
  } catch (error) {
    if (d.signal?.aborted) throw new RuntimeFailure("prune cancelled before anything was removed", { cause: error });
    const message = error instanceof UniboxError ? error.message : String(error);
    throw new RuntimeFailure(`${message}: nothing was removed, since an AMI in use must not be`, { cause: error, details: error instanceof UniboxError ? error.details : [] });
  }
  return uses;
}
