// A local review box on disk: `<store>/review/<name>/` holds `box.json` (what unibox made), `root/` (the box's
// prefix: its service dirs, state, data and logs) and, with --stack-ref, `stack/` (that branch's work tree).
// `box.json` is the mark that unibox made the box: `review down` and `reap` act on nothing without it.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure, UsageError } from "../../errors.js";
import type { Store } from "../../image/store.js";
import { writeFileAtomic } from "../../runtime/writer.js";
import { BOX_NAME } from "../names.js";
import { makerAlive, type Maker } from "./maker.js";

export const BOX_KIND = "unibox-review-box";

export interface BoxRecord {
  kind: typeof BOX_KIND;
  version: 1;
  name: string;
  /** The image the box runs (derived from `parentImage` when it has refs or a stack ref). */
  image: string;
  /** The image the box was asked to run, or the newest one. */
  parentImage: string;
  refs: Record<string, { ref: string; commit: string }>;
  stackRef?: string;
  createdAt: string;
  ttlMs?: number;
  maxAgeMs?: number;
  portOffset: number;
  /** Every port the box listens on (after the offset): no other box gets an offset that meets them. */
  ports: number[];
  url?: string;
  statusUrl?: string;
  /** `starting` until the box was healthy once; `stopped` once promoted (reset: it boots as new). */
  state: "starting" | "up" | "stopped";
  /** While starting: the `review up` making it (a box whose maker is gone was left half-made). */
  maker?: Maker;
  /** uid that made it. */
  uid: number;
}

export interface BoxDirs {
  dir: string;
  record: string;
  prefix: string;
  stack: string;
}

export function reviewRoot(store: Store): string {
  return join(store.root, "review");
}

export function boxDirs(store: Store, name: string): BoxDirs {
  const dir = join(reviewRoot(store), name);
  return { dir, record: join(dir, "box.json"), prefix: join(dir, "root"), stack: join(dir, "stack") };
}

/** `<store>/review/` exists, 0755: the service users of every box pass through it to their state. */
export function ensureReviewRoot(store: Store): string {
  const root = reviewRoot(store);
  mkdirSync(root, { recursive: true, mode: 0o755 });
  return root;
}

export function writeRecord(store: Store, record: BoxRecord): void {
  writeFileAtomic({ path: boxDirs(store, record.name).record, contents: `${JSON.stringify(record, null, 2)}\n`, mode: 0o644 });
}

/** The record of box `name`, or why there is no review box unibox made by that name. */
export function inspectRecord(store: Store, name: string): { record?: BoxRecord; problem?: string } {
  if (!BOX_NAME.test(name)) return { problem: "not a review box name" };
  const dirs = boxDirs(store, name);
  const st = lstatSync(dirs.dir, { throwIfNoEntry: false });
  if (!st) return { problem: "no such review box" };
  if (!st.isDirectory() || st.isSymbolicLink()) return { problem: `${dirs.dir} is not a directory unibox made` };
  if (st.uid !== process.getuid?.()) return { problem: `${dirs.dir} belongs to uid ${st.uid}, not to this user` };
  let value: Partial<BoxRecord>;
  try {
    value = JSON.parse(readFileSync(dirs.record, "utf8")) as Partial<BoxRecord>;
  } catch (err) {
    return { problem: `${dirs.record} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): not a review box unibox made` };
  }
  if (value?.kind !== BOX_KIND || value.name !== name || typeof value.image !== "string" || typeof value.createdAt !== "string" || Number.isNaN(Date.parse(value.createdAt))) {
    return { problem: `${dirs.record} is not a review box record (kind ${BOX_KIND}, name ${name})` };
  }
  for (const key of ["ttlMs", "maxAgeMs"] as const) {
    const v = value[key];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v >= 0)) return { problem: `${dirs.record}: ${key} is ${JSON.stringify(v)}, not a duration in ms` };
  }
  // What down and removal act on must be the box's own: a root/ or stack/ that is a link (to another box, to /,
  // to a work tree elsewhere) would make them stop, reset or delete something unibox did not make.
  for (const sub of [dirs.prefix, dirs.stack]) {
    const sst = lstatSync(sub, { throwIfNoEntry: false });
    if (sst && (sst.isSymbolicLink() || !sst.isDirectory() || sst.uid !== process.getuid?.())) {
      return { problem: `${sub} is ${sst.isSymbolicLink() ? "a symlink" : !sst.isDirectory() ? "not a directory" : `owned by uid ${sst.uid}`}: not what review up made` };
    }
  }
  return { record: value as BoxRecord };
}

/** The record, or a usage error listing the boxes there are. */
export function requireRecord(store: Store, name: string): BoxRecord {
  const { record, problem } = inspectRecord(store, name);
  if (record) return record;
  if (existsSync(boxDirs(store, name).dir) && BOX_NAME.test(name)) {
    throw new RuntimeFailure(`${boxDirs(store, name).dir} is not a review box unibox made: ${problem}; left alone`, {
      details: ["unibox removes only what it made. Look at it, and remove it yourself if it is yours."],
    });
  }
  const names = listRecords(store).map((r) => r.name);
  throw new UsageError(`no review box "${name}" in ${reviewRoot(store)}`, { details: [names.length ? `Boxes there: ${names.join(", ")}` : "There is no review box: `unibox review up` makes one."] });
}

/** Every review box unibox made in this store, by name. */
export function listRecords(store: Store): BoxRecord[] {
  const root = reviewRoot(store);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => BOX_NAME.test(n))
    .sort()
    .flatMap((n) => inspectRecord(store, n).record ?? []);
}

/** A box a `review up` killed with -9 left half-made: still starting, and its maker is gone. */
export function abandoned(record: BoxRecord): boolean {
  return record.state === "starting" && (!record.maker || !makerAlive(record.maker));
}
