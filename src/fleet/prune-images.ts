// `unibox image prune --keep N` on the local store: the newest N images stay, and of the others none is removed
// that a box runs (a review box, or a prefix `boot --image` started) or that was promoted (unless asked). A
// review box's own image (for its refs) goes once no box runs it.
import { boxDirs, listRecords } from "../review/local/box-record.js";
import { bootedBoxes, linkedImage } from "./local-registry.js";
import { imagesIn, listImages, REVIEW_IMAGES, type Store } from "../image/store.js";
import { removeTree } from "../image/tree-ops.js";

export interface PruneResult {
  removed: { id: string; created: string }[];
  kept: { id: string; reason: string }[];
}

export async function pruneLocal(store: Store, options: { keep: number; dryRun: boolean; includePromoted: boolean }): Promise<PruneResult> {
  const inUse = new Map<string, string>();
  for (const record of listRecords(store)) {
    inUse.set(record.image, `review box ${record.name} runs it`);
    const linked = linkedImage(boxDirs(store, record.name).prefix, store);
    if (linked) inUse.set(linked, `review box ${record.name} runs it`);
  }
  for (const box of bootedBoxes(store)) inUse.set(box.image, `the box under ${box.prefix} runs it`);

  const result: PruneResult = { removed: [], kept: [] };
  const consider = async (images: ReturnType<typeof listImages>, keep: number) => {
    for (const [index, image] of images.entries()) {
      const reason = index < keep ? `one of the newest ${keep}` : inUse.get(image.id) ?? (image.promotedFrom && !options.includePromoted ? `promoted from review box ${image.promotedFrom} (--include-promoted removes it)` : undefined);
      if (reason) {
        result.kept.push({ id: image.id, reason });
        continue;
      }
      if (!options.dryRun) await removeTree(image.dir);
      result.removed.push({ id: image.id, created: image.created });
    }
  };
  await consider(listImages(store), options.keep);
  // Review boxes' own images: kept while a box runs one, however old.
  await consider(listImages(imagesIn(store, REVIEW_IMAGES)), 0);
  return result;
}
