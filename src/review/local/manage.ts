// `review ls`, `review down NAME` and `review reap` on this machine. Only boxes unibox made are touched: a
// box needs its record (box.json, written by `review up`) and, once booted, a saved plan in review mode.
import { join } from "node:path";
import { RuntimeFailure } from "../../errors.js";
import { checkStore, openStore, storeDir, type Store } from "../../image/store.js";
import { openBox } from "../../runtime/box.js";
import { acquireFileLock } from "../../shared/file-lock.js";
import type { ReviewBox } from "../types.js";
import { boxDirs, listRecords, requireRecord, reviewRoot, type BoxRecord } from "./box-record.js";
import { describeBox } from "./describe.js";
import { removeBox } from "./up.js";

export function localStore(root: string, store?: string): Store {
  const s = openStore(storeDir(root, store));
  checkStore(s);
  return s;
}

export async function localReviewLs(store: Store): Promise<ReviewBox[]> {
  return Promise.all(listRecords(store).map((r) => describeBox(store, r)));
}

/** Stops the box gracefully and removes it: prefix, databases, data, logs. */
export async function localReviewDown(store: Store, name: string): Promise<ReviewBox> {
  const record = requireRecord(store, name);
  refuseNonReview(store, record);
  const box = await describeBox(store, record);
  const release = await acquireFileLock(join(reviewRoot(store), ".lock"), 30, `another unibox is making or removing a review box in ${reviewRoot(store)}; try again once it is done`);
  try {
    await removeBox(store, name);
  } finally {
    release();
  }
  return { ...box, state: "removed", healthy: null };
}

/** Every box past its expiry, removed (or only listed, with dryRun); one that cannot be removed does not stop the others. */
export async function localReviewReap(store: Store, options: { dryRun: boolean; now?: Date }): Promise<{ reaped: ReviewBox[]; kept: ReviewBox[]; failed: { name: string; error: string }[] }> {
  const now = options.now ?? new Date();
  const boxes = await localReviewLs(store);
  const reaped: ReviewBox[] = [];
  const kept: ReviewBox[] = [];
  const failed: { name: string; error: string }[] = [];
  for (const box of boxes) {
    // A box a killed `review up` left half-made goes whatever its expiry.
    if (box.state !== "abandoned" && (!box.expiresAt || Date.parse(box.expiresAt) > now.getTime())) {
      kept.push(box);
      continue;
    }
    try {
      if (!options.dryRun) await localReviewDown(store, box.name);
      reaped.push(box);
    } catch (error) {
      failed.push({ name: box.name, error: (error as Error).message });
    }
  }
  return { reaped, kept, failed };
}

// The classic accident is a production box removed as if it were a review box: one whose saved plan is not
// a review box's is refused, record or not.
function refuseNonReview(store: Store, record: BoxRecord): void {
  const saved = openBox(boxDirs(store, record.name).prefix).saved;
  if (saved && saved.plan.mode !== "review") {
    throw new RuntimeFailure(`${boxDirs(store, record.name).prefix} runs a ${saved.plan.mode} box, not a review box: left alone`, {
      details: ["review down and reap remove review boxes only; take a production box down with: unibox down --prefix P"],
    });
  }
}
