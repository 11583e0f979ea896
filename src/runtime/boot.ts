// `unibox boot`: converge the box to a plan: repair what a broken box left, write the service
// directories, link them, make sure runsvdir runs, start and restart what changed.
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { userInfo } from "node:os";
import { RuntimeFailure, UsageError } from "../errors.js";
import type { Plan, PlannedInstance } from "../plan/plan.js";
import { acquireBootLock } from "./boot-lock.js";
import { openBox, readAppliedRecord, SAVED_PLAN_VERSION, type SavedPlan } from "./box.js";
import { deletedSupervisors, stopDeletedSupervisor } from "./orphans.js";
import { boxPaths, type BoxPaths } from "./paths.js";
import { checkReachable, type ReachRequest } from "./reachable.js";
import { checkNotWritableByOthers } from "../shared/writable.js";
import { ensureRunsvdir, findRunsvdir, realServiceDir, supervisedDirs } from "./runsvdir.js";
import { instanceFiles, type InstanceFiles, type RunAs } from "./service-dir.js";
import { STATUS_INSTANCE, statusInstance } from "./status-instance.js";
import { readStat, stopAndWait, sv } from "./sv.js";
import { onceResult } from "./health.js";
import { exitRunsv } from "./exit-runsv.js";
import { BASE_TOOLS, findTools, type ToolName } from "./tools.js";
import { isRoot, lookupUser } from "./users.js";
import { ensureDir, mkdirParents, pruneDir, symlinkAtomic, writeFileAtomic } from "./writer.js";

export interface BootRequest {
  plan: Plan;
  prefix: string;
  serviceDir?: string;
  /** The status service's port before the box's port offset; 0 runs none. */
  statusPort: number;
}

export interface BootReport {
  mode: string;
  prefix: string;
  serviceDir: string;
  runsvdir: { pid: number; started: boolean };
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
  /** Instances whose supervisor a broken box left behind (deleted directory, dead runsvdir), stopped and started anew. */
  replaced: string[];
  /** The saved plan's generation: `waitHealthy` stops waiting when another command changes it. */
  generation: string;
}

/** Converges the box under `request.prefix` to `request.plan`. Checks users and directories before writing anything. */
export async function boot(request: BootRequest): Promise<BootReport> {
  const { plan } = request;
  // Users, the programs the scripts run, and the directories users must reach: all checked before anything is written.
  // chpst's envdir carries one line per variable: a state directory whose path holds a newline would reach the app
  // cut at it (UNIBOX_STATE_DIR), and the app would write elsewhere or crash-loop.
  const cut = plan.instances.find((i) => i.stateDir.includes("\n") || i.cwd.includes("\n"));
  if (cut) {
    throw new UsageError(`${JSON.stringify(cut.stateDir.includes("\n") ? cut.stateDir : cut.cwd)} holds a newline: ${cut.name}'s environment (UNIBOX_STATE_DIR) carries one line per variable; starting nothing`, {
      details: ["Choose a --prefix and a stack root whose paths hold no newline."],
    });
  }
  const runAs = resolveUsers(plan);
  const tools = findTools(toolsNeeded(plan));
  if (plan.instances.length === 0) {
    throw new UsageError(`nothing to run: no component of the stack has a replica on this ${plan.mode} box; check the roles' modes and replicas`);
  }
  const statusPort = request.statusPort === 0 ? 0 : request.statusPort + plan.portOffset;
  if (statusPort > 65535) throw new UsageError(`--status-port ${request.statusPort} plus the port offset ${plan.portOffset} is ${statusPort}, past 65535`);
  const clash = plan.instances.find((i) => statusPort !== 0 && i.port === statusPort);
  if (clash) throw new UsageError(`--status-port ${request.statusPort}: ${clash.name} listens on ${clash.port}; give unibox.status another port`);
  // Where runsvdir starts services as root, and the prefix: no one else may write there (or above).
  const base = boxPaths(request.prefix);
  const serviceDir = request.serviceDir ?? base.serviceDir;
  checkNotWritableByOthers(base.prefix, "the prefix");
  checkNotWritableByOthers(serviceDir, "the directory runsvdir scans");
  // The prefix exists from here on; its paths are real ones (runsv reports its real working directory).
  mkdirParents(request.prefix);
  const box = openBox(request.prefix, realServiceDir(serviceDir));
  const { paths } = box;
  // A machine booted from an image (prefix /) answers its load balancer; a development box, or a box under a
  // prefix (local review boxes, whose apps listen on 127.0.0.1 too), only this machine.
  const status = statusPort === 0 ? undefined : statusInstance(paths, statusPort, box.fromImage && paths.prefix === "/" ? "0.0.0.0" : "127.0.0.1");
  const release = await acquireBootLock(paths);
  try {
    const previous = box.saved?.plan.instances ?? [];
    const graceOf = (name: string) => previous.find((i) => i.name === name)?.stop.graceMs ?? 60_000;
    const replaced = await repair(paths, graceOf);
    const desired = plan.instances.map((i) => instanceFiles(plan, i, paths, runAs.get(i.name)!, tools));
    // The status service is written, linked and restarted like an instance, but is not one of the plan's.
    if (status) desired.push(instanceFiles(plan, status, paths, {}, tools));
    const statusUrl = status && `http://127.0.0.1:${status.port}/health`;
    return { ...(await converge(plan, paths, desired, graceOf, statusUrl)), replaced: replaced.filter((n) => n !== STATUS_INSTANCE) };
  } finally {
    release();
  }
}

/** What boot checks before it writes: every instance's user exists (and can be had), and reaches its directories. */
function resolveUsers(plan: Plan): Map<string, RunAs> {
  const out = new Map<string, RunAs>();
  const root = isRoot();
  const me = userInfo().username;
  const reach: ReachRequest[] = [];
  for (const i of plan.instances) {
    if (!root) {
      if (i.user !== me) {
        throw new RuntimeFailure(`${i.name} runs as "${i.user}", but unibox boot is not running as root and cannot switch users`, {
          details: ["Run boot as root (as on a real box), or remove `user:` from the role for a development boot."],
        });
      }
      out.set(i.name, {});
    } else if (i.user === "root") {
      out.set(i.name, {});
    } else {
      const u = lookupUser(i.user, i.name);
      out.set(i.name, { chpstUser: u.name, owner: { uid: u.uid, gid: u.gid } });
      reach.push({ instance: i.name, user: u, cwd: i.cwd, stateDir: i.stateDir });
    }
  }
  checkReachable(reach);
  return out;
}

function toolsNeeded(plan: Plan): ToolName[] {
  const kinds = new Set(plan.instances.map((i) => i.health?.kind));
  // unibox.status has an http check whenever it runs.
  return [...BASE_TOOLS, "curl", ...(kinds.has("tcp") ? (["bash"] as const) : [])];
}

/**
 * Stops what a broken box left behind, before anything is written: supervisors of deleted service
 * directories, and runsv processes whose runsvdir died. Returns the instances concerned.
 */
async function repair(paths: BoxPaths, graceOf: (name: string) => number): Promise<string[]> {
  const replaced: string[] = [];
  // A new box has nothing to repair.
  if (!existsSync(paths.svRoot)) return replaced;
  for (const orphan of deletedSupervisors(paths.svRoot)) {
    await stopDeletedSupervisor(orphan.pid, graceOf(orphan.name));
    replaced.push(orphan.name);
  }
  if (findRunsvdir(paths.serviceDir).length === 0 && existsSync(paths.svRoot)) {
    const names = readdirSync(paths.svRoot).filter((n) => !n.startsWith("."));
    const left = [...supervisedDirs(names.map((n) => paths.sv(n)))];
    if (left.length > 0) {
      // A runsv cannot be handed to a new runsvdir: stop each gracefully (control/t), let runsvdir start it anew.
      const grace = Math.max(...left.map((d) => graceOf(d.slice(paths.svRoot.length + 1)))) / 1000;
      await exitRunsv(left, (grace + 10) * 1000, "they were left by a runsvdir that died; nothing new was started");
      replaced.push(...left.map((d) => d.slice(paths.svRoot.length + 1)));
    }
  }
  return replaced;
}

async function converge(
  plan: Plan,
  paths: BoxPaths,
  desired: InstanceFiles[],
  graceOf: (name: string) => number,
  statusUrl: string | undefined,
): Promise<Omit<BootReport, "replaced">> {
  const planned = new Set(desired.map((d) => d.instance));
  // Made anew if anything but a directory is there (a file put in its place).
  ensureDir({ path: paths.svRoot, mode: 0o755 });
  const existing = readdirSync(paths.svRoot).filter((n) => !n.startsWith("."));
  const removed = existing.filter((n) => !planned.has(n));

  // What is no longer planned goes first: it may hold a port a new instance needs. Its grace is the
  // one it was booted with (the saved plan), with a margin.
  await removeInstances(paths, removed, Math.max(0, ...removed.map(graceOf)) / 1000 + 10);

  const added: string[] = [];
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const files of desired) {
    const isNew = !existing.includes(files.instance);
    writeInstance(files, paths);
    const applied = readApplied(paths, files.instance);
    if (isNew || applied === undefined) added.push(files.instance);
    else if (applied !== files.fingerprint) changed.push(files.instance);
    else unchanged.push(files.instance);
    // A new instance (or one a killed boot never linked) starts with exactly these files:
    // record them before runsvdir can see it.
    if (isNew || applied === undefined) writeApplied(paths, files);
  }
  ensureDir({ path: paths.etc, mode: 0o755 });
  const generation = randomUUID();
  const saved: SavedPlan = { version: SAVED_PLAN_VERSION, generation, plan, serviceDir: paths.serviceDir, statusUrl };
  writeFileAtomic({ path: paths.planFile, mode: 0o644, contents: `${JSON.stringify(saved, null, 2)}\n` });

  // `unibox down` leaves `down` files so a restarted runsvdir keeps instances stopped: a boot wants them all up.
  const wasDown = new Set(desired.filter((f) => existsSync(`${paths.sv(f.instance)}/down`)).map((f) => f.instance));
  for (const files of desired) rmSync(`${paths.sv(files.instance)}/down`, { force: true });
  for (const files of desired) symlinkAtomic(paths.sv(files.instance), paths.link(files.instance));
  const runsvdir = await ensureRunsvdir(paths.serviceDir, paths);
  const all = desired.map((d) => d.instance);
  if (!runsvdir.started && supervisedDirs(all.map((n) => paths.sv(n))).size < all.length) nudgeRunsvdir(paths.serviceDir);

  // Stopped ones start again (`sv up` of a running service does nothing), what they need first;
  // then the instances whose files changed restart, and only they.
  const supervised = supervisedInstances(paths, [...changed, ...unchanged]);
  const once = new Set(plan.instances.filter((i) => i.once).map((i) => i.name));
  const rerun = oneShotsToRun(paths, [...changed, ...unchanged].filter((n) => once.has(n) && supervised.has(n)), new Set(changed), wasDown);
  // Their old results go before anything starts: a dependent must wait for the new one.
  for (const name of rerun) rmSync(`${paths.sv(name)}/.once-result`, { force: true });
  // A changed one-shot still running is stopped first (its `finish` records no result for a stop).
  await sv("term", rerun.filter((n) => changed.includes(n) && readStat(paths.sv(n)) !== "down").map((n) => paths.sv(n)));
  await sv("up", [...unchanged.filter((n) => supervised.has(n) && !once.has(n)), ...rerun].map((n) => paths.sv(n)));
  for (const name of changed.filter((n) => once.has(n))) writeApplied(paths, desired.find((d) => d.instance === name)!);
  await Promise.all(
    changed.filter((n) => !once.has(n)).map(async (name) => {
      const files = desired.find((d) => d.instance === name)!;
      if (supervised.has(name)) await sv("restart", [paths.sv(name)], restartWaitSecs(plan.instances.find((i) => i.name === name)));
      writeApplied(paths, files);
    }),
  );

  // The status service is reported apart: the lists are the stack's instances.
  const own = (list: string[]) => list.filter((n) => n !== STATUS_INSTANCE);
  return { mode: plan.mode, prefix: paths.prefix, serviceDir: paths.serviceDir, runsvdir, added: own(added), changed: own(changed), removed: own(removed), unchanged: own(unchanged), generation };
}

/**
 * runsvdir rescans when its directory's mtime changes. A link that was already there (its service
 * directory deleted by hand and written anew) changes nothing: move the mtime, into the past, since
 * runsvdir waits a second more for an mtime in the current second.
 */
function nudgeRunsvdir(dir: string): void {
  const current = Math.floor(statSync(dir).mtimeMs / 1000);
  const when = Math.min(Math.floor(Date.now() / 1000) - 2, current - 1);
  utimesSync(dir, when, when);
}

/**
 * The supervised one-shots this boot runs (again): a changed one, one `unibox down` stopped (a boot after a
 * down is a new start of the box), and one whose supervisor has no successful run of it. One done in this
 * start of its supervisor, or still running, is left alone: a second boot with the same inputs runs nothing.
 */
function oneShotsToRun(paths: BoxPaths, names: string[], changed: Set<string>, wasDown: Set<string>): string[] {
  return names.filter((n) => {
    if (changed.has(n) || wasDown.has(n)) return true;
    const dir = paths.sv(n);
    return readStat(dir) === "down" && onceResult(dir)?.code !== 0;
  });
}

function restartWaitSecs(instance: PlannedInstance | undefined): number {
  return ((instance?.stop.graceMs ?? 5000) + (instance?.health?.timeoutMs ?? 0)) / 1000 + 10;
}

function supervisedInstances(paths: BoxPaths, names: string[]): Set<string> {
  const dirs = supervisedDirs(names.map((n) => paths.sv(n)));
  return new Set(names.filter((n) => dirs.has(paths.sv(n))));
}

function writeInstance(files: InstanceFiles, paths: BoxPaths): void {
  for (const d of files.dirs) ensureDir(d);
  for (const f of files.files) writeFileAtomic(f);
  // Variables no longer there go (chpst would still read them), and so do the per-layer directories of older boxes.
  pruneDir(files.envDir, new Set(files.files.filter((f) => f.path.startsWith(`${files.envDir}/`)).map((f) => f.path.slice(files.envDir.length + 1))), true);
  const sv = paths.sv(files.instance);
  if (!files.files.some((f) => f.path === `${sv}/check`)) rmSync(`${sv}/check`, { force: true });
}

/** The fingerprint of the files the instance runs with, from `.applied` (see box.ts `readAppliedRecord`). */
function readApplied(paths: BoxPaths, name: string): string | undefined {
  return readAppliedRecord(paths, name)?.fingerprint;
}

function writeApplied(paths: BoxPaths, files: InstanceFiles): void {
  writeFileAtomic({ path: `${paths.sv(files.instance)}/.applied`, mode: 0o644, contents: `${JSON.stringify({ fingerprint: files.fingerprint, ...files.record })}\n` });
}

/** Stops, unlinks and deletes instances; their logs stay. */
export async function removeInstances(paths: BoxPaths, names: string[], graceSecs = 60): Promise<void> {
  if (names.length === 0) return;
  const dirs = names.map((n) => paths.sv(n));
  const supervised = [...supervisedDirs(dirs)];
  if (supervised.length > 0) {
    const { failed } = await stopAndWait(supervised, graceSecs * 1000);
    if (failed.length > 0) throw new RuntimeFailure(`could not stop ${failed.map((d) => d.split("/").pop()).join(", ")} within ${graceSecs} s; nothing new was started`);
  }
  for (const n of names) rmSync(paths.link(n), { force: true });
  await exitRunsv(supervised, 10_000, "not removing their directories");
  for (const n of names) {
    rmSync(paths.sv(n), { recursive: true, force: true });
    rmSync(paths.env(n), { recursive: true, force: true });
  }
}
