// `unibox review up` on this machine: a whole review box under its own prefix in the store, with its own
// runsvdir, port offset, data and logs, healthy before the command returns. Nothing half-started: a box that
// fails to come up is taken down and removed, its log tail in the error.
import { existsSync, lstatSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { RuntimeFailure, UniboxError, UnhealthyError, UsageError } from "../../errors.js";
import { checkStore, ensureStore, imagesIn, listImages, openStore, requireImage, REVIEW_IMAGES, storeDir, type Store, type StoredImage } from "../../image/store.js";
import { removeTree } from "../../image/tree-ops.js";
import { loadPlan } from "../../plan/load-plan.js";
import type { Plan } from "../../plan/plan.js";
import { boot } from "../../runtime/boot.js";
import { openBox } from "../../runtime/box.js";
import { down } from "../../runtime/down.js";
import { logTail, publicState } from "../../runtime/health.js";
import { linkImage } from "../../runtime/image-link.js";
import { checkReachable } from "../../runtime/reachable.js";
import { lookupUser } from "../../runtime/users.js";
import { realPath } from "../../runtime/paths.js";
import { waitHealthy } from "../../runtime/wait-healthy.js";
import { acquireFileLock } from "../../shared/file-lock.js";
import { boxLayout } from "../../commands/box-layout.js";
import { checkBoxName, defaultBoxName } from "../names.js";
import type { ReviewBox } from "../types.js";
import { abandoned, boxDirs, ensureReviewRoot, inspectRecord, listRecords, reviewRoot, writeRecord, type BoxRecord } from "./box-record.js";
import { thisMaker } from "./maker.js";
import { deriveImage } from "../derive-image.js";
import { chooseOffset } from "./port-offset.js";
import { releasePorts, reservePorts } from "./port-reservations.js";
import { describeBox } from "./describe.js";

export interface LocalReviewUpOptions {
  root: string;
  store?: string;
  name?: string;
  image?: string;
  refs: Record<string, string>;
  stackRef?: string;
  ttlMs?: number;
  maxAgeMs?: number;
  /** How long the box may take to become healthy. */
  waitMs: number;
  /** The status service's port before the offset. */
  statusPort: number;
  signal: AbortSignal;
  progress(line: string): void;
}

export async function localReviewUp(options: LocalReviewUpOptions): Promise<ReviewBox> {
  const store = openStore(storeDir(options.root, options.store));
  ensureStore(store);
  checkStore(store);
  const name = options.name !== undefined ? checkBoxName(options.name) : defaultBoxName(options.refs, options.stackRef);
  const parent = options.image ? requireParent(store, options.image) : newestImage(store);
  ensureReviewRoot(store);
  const dirs = boxDirs(store, name);
  const lockFile = join(reviewRoot(store), ".lock");
  const busy = `another unibox is making or removing a review box in ${reviewRoot(store)}; try again once it is done`;

  // The name is claimed first (under the lock), so two `review up --name x` never share a prefix.
  let record: BoxRecord = {
    kind: "unibox-review-box",
    version: 1,
    name,
    image: parent.id,
    parentImage: parent.id,
    refs: {},
    ...(options.stackRef ? { stackRef: options.stackRef } : {}),
    createdAt: new Date().toISOString(),
    ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
    ...(options.maxAgeMs ? { maxAgeMs: options.maxAgeMs } : {}),
    portOffset: 0,
    ports: [],
    state: "starting",
    maker: thisMaker(),
    uid: process.getuid?.() ?? 0,
  };
  let release = await acquireFileLock(lockFile, 30, busy);
  try {
    if (existsSync(dirs.dir)) {
      const existing = inspectRecord(store, name).record;
      if (!existing || !abandoned(existing)) throw new UsageError(`a review box named "${name}" exists already (${dirs.dir})`, { details: [`Pick another --name, or take it down first: unibox review down ${name}`] });
      options.progress(`${name}: left half-made by a review up that was killed; removing it first`);
      await removeBox(store, name);
    }
    mkdirSync(dirs.dir, { mode: 0o755 });
    writeRecord(store, record);
  } finally {
    release();
  }

  let booted = false;
  try {
    // The box's image: the parent as it is, or one made for its refs and stack branch.
    let imageDir = parent.dir;
    if (Object.keys(options.refs).length > 0 || options.stackRef) {
      const stackRoot = options.stackRef ? await addStackWorkTree(options.root, options.stackRef, dirs.stack) : options.root;
      options.progress(`${name}: image for ${describeRefs(options.refs, options.stackRef)} (repos built once per commit, through the image cache)`);
      const parentRepos = Object.fromEntries(Object.entries(parent.manifest.repos).map(([n, r]) => [n, r.commit]));
      const derived = await deriveImage({ store: imagesIn(store, REVIEW_IMAGES), stackRoot, parentRepos, refs: options.refs, signal: options.signal, note: (l) => options.progress(`note: ${l}`) });
      options.progress(`${name}: ${derived.reused ? "reused" : "built"} ${derived.id}`);
      imageDir = imagesIn(store, REVIEW_IMAGES).imageDir(derived.id);
      record = { ...record, image: derived.id, refs: Object.fromEntries(Object.entries(options.refs).map(([repo, ref]) => [repo, { ref, commit: derived.repos[repo] }])) };
      writeRecord(store, record);
    }

    const tags: [string, string][] = [
      ["unibox:mode", "review"],
      ["unibox:box", name],
    ];
    const planFor = async (portOffset: number) =>
      (await loadPlan({ root: join(imageDir, "tree/opt/unibox/stack"), identity: { tagFlags: tags, tagWaitMs: 0 }, portOffset }, boxLayout(openBox(dirs.prefix)))).plan;

    // The box's tree is the image's, linked: planned as a box booted from it is.
    linkImage(dirs.prefix, join(imageDir, "tree/opt/unibox"));
    // Ports: the box's own at offset 0, then the first offset that meets no other box's and finds them free.
    const basePlan = await planFor(0);
    checkUsersReach(basePlan, imageDir, dirs.prefix, store);
    const basePorts = [...basePlan.instances.flatMap((i) => (i.port === undefined ? [] : [i.port])), ...(options.statusPort ? [options.statusPort] : [])];
    // Chosen against every box of this store and every box any store on this machine has reserved.
    await reservePorts(dirs.record, async (machine) => {
      const taken = new Set([...machine, ...listRecords(store).filter((r) => r.name !== name).flatMap((r) => r.ports)]);
      const portOffset = await chooseOffset(basePorts, taken);
      record = { ...record, portOffset, ports: basePorts.map((p) => p + portOffset) };
      writeRecord(store, record);
      return record.ports;
    });

    const plan = await planFor(record.portOffset);
    options.signal.throwIfAborted();
    options.progress(`${name}: booting ${plan.instances.length} instances under ${dirs.prefix} (ports +${record.portOffset})`);
    booted = true;
    // Boot itself is short and bounded: a Ctrl-C meanwhile is acted on once it is done.
    const report = await boot({ plan, prefix: dirs.prefix, statusPort: options.statusPort });
    options.signal.throwIfAborted();
    const { paths, saved } = openBox(dirs.prefix);
    const names = [...report.added, ...report.changed, ...report.unchanged];
    const health = await untilAborted(waitHealthy(paths, names, options.waitMs, report.generation), options.signal);
    const sick = health.filter((i) => !i.healthy);
    if (sick.length > 0) {
      throw new UnhealthyError(`review box ${name}: ${sick.length} of ${names.length} instances not healthy after ${options.waitMs / 1000} s: ${sick.map((i) => i.name).join(", ")}; the box was removed`, {
        details: sick.flatMap((i) => [`${i.name}: ${publicState(i.state)}${i.lastExit ? `, last exit ${i.lastExit.code}` : ""}; its log:`, ...logTail(paths, i.name, 10).map((l) => `  ${l}`)]),
      });
    }
    const entry = plan.instances.find((i) => (i as { entry?: boolean }).entry) ?? plan.instances.find((i) => i.port !== undefined);
    record = { ...record, state: "up", maker: undefined, ...(entry?.port ? { url: `http://127.0.0.1:${entry.port}/` } : {}), ...(saved?.statusUrl ? { statusUrl: saved.statusUrl } : {}) };
    writeRecord(store, record);
    return await describeBox(store, record, true);
  } catch (error) {
    await removeBox(store, name, booted).catch((cleanup: unknown) => {
      if (error instanceof UniboxError) error.details.push(`Could not remove the half-made box: ${(cleanup as Error).message}; remove it with: unibox review down ${name}`);
    });
    throw error;
  }
}

/** `work`, or the signal's reason as soon as it aborts (the work is left to finish or fail on its own). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Stops everything the box runs and removes it whole: prefix, data, logs, its stack work tree, its record last. */
export async function removeBox(store: Store, name: string, booted = true): Promise<void> {
  const dirs = boxDirs(store, name);
  // Checked again right before acting (inspectRecord did once): the prefix down resolves must be this box's.
  if (existsSync(dirs.prefix) && realPath(dirs.prefix) !== join(realPath(dirs.dir), "root")) {
    throw new RuntimeFailure(`${dirs.prefix} leads elsewhere (${realPath(dirs.prefix)}): left alone`);
  }
  if (booted && existsSync(dirs.prefix)) {
    const report = await down({ prefix: dirs.prefix, reset: true });
    if (report.failed.length) throw new RuntimeFailure(`could not stop ${report.failed.join(", ")} of review box ${name}`);
  }
  const stack = lstatSync(dirs.stack, { throwIfNoEntry: false });
  if (stack?.isDirectory() && !stack.isSymbolicLink()) {
    await execa("git", ["-C", dirs.stack, "worktree", "remove", "--force", dirs.stack], { reject: false });
  }
  // The record goes last: until then `review down` still knows the box is unibox's.
  await removeTree(dirs.prefix);
  releasePorts(dirs.record);
  rmSync(dirs.stack, { recursive: true, force: true });
  rmSync(dirs.dir, { recursive: true, force: true });
}

/** The newest image `image build` made (not a promoted one: that is production's): what a review box runs unless told otherwise. */
function newestImage(store: Store): StoredImage {
  const image = listImages(store).find((i) => !i.promotedFrom);
  if (!image) throw new UsageError(`no image in ${store.root}: a review box runs one`, { details: ["Build it first: unibox image build"] });
  return image;
}

function requireParent(store: Store, id: string): StoredImage {
  return listImages(imagesIn(store, REVIEW_IMAGES)).find((i) => i.id === id) ?? requireImage(store, id);
}

function describeRefs(refs: Record<string, string>, stackRef?: string): string {
  return [...Object.entries(refs).map(([r, ref]) => `${r}@${ref}`), ...(stackRef ? [`stack@${stackRef}`] : [])].join(", ");
}

/** The stack definition at `ref` as a work tree of its own (local repos in it resolve to that commit). */
async function addStackWorkTree(root: string, ref: string, dir: string): Promise<string> {
  if (ref.startsWith("-") || /[\s\0]/.test(ref)) throw new UsageError(`--stack-ref ${JSON.stringify(ref)} is not a branch, tag or commit`, { details: ["e.g. --stack-ref add-billing"] });
  const r = await execa("git", ["-C", root, "worktree", "add", "--detach", "--force", dir, `${ref}^{commit}`], { reject: false });
  if (r.exitCode !== 0) {
    throw new UsageError(`--stack-ref ${ref}: ${r.stderr.trim().split("\n").pop() ?? "git worktree add failed"}`, { details: [`The stack definition ${root} must be a git work tree that has ${ref} (git -C ${root} log -1 ${ref}).`] });
  }
  return dir;
}

/**
 * Before anything starts: each service user must reach its checkout in the image and its state under the box's
 * prefix. A store inside a 0700 home fails here, naming the directory and what to change.
 */
function checkUsersReach(plan: Plan, imageDir: string, prefix: string, store: Store): void {
  const opt = join(prefix, "opt/unibox");
  try {
    checkReachable(
      plan.instances.map((i) => ({
        instance: i.name,
        user: lookupUser(i.user, i.name),
        cwd: i.cwd.startsWith(`${opt}/`) ? join(imageDir, "tree/opt/unibox", i.cwd.slice(opt.length + 1)) : i.cwd,
        stateDir: i.stateDir,
      })),
    );
  } catch (error) {
    if (error instanceof UniboxError) error.details.push(`Or keep review boxes where every service user can enter: --store /var/lib/unibox-store (this store: ${store.root}).`);
    throw error;
  }
}
