// `unibox boot`: plan, write the service directories, link them, make sure runsvdir runs, converge.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { userInfo } from "node:os";
import { RuntimeFailure, UnhealthyError, UsageError } from "../cli/errors.js";
import { intOption } from "../cli/options.js";
import { table, type CommandResult } from "../cli/output.js";
import { loadPlan, type PlanOptions } from "../plan/load-plan.js";
import type { Plan, PlannedInstance } from "../plan/plan.js";
import type { Stack } from "../stack/types.js";
import { acquireBootLock } from "./boot-lock.js";
import { readSavedPlan, type SavedPlan } from "./box-plan.js";
import { DEFAULT_STATUS_PORT, STATUS_INSTANCE, statusInstance } from "./status-service.js";
import { instancesHealth, logTail, publicState, type InstanceHealth } from "./health.js";
import { boxPaths, type BoxPaths } from "./paths.js";
import { pollUntil } from "./processes.js";
import { ensureRunsvdir, realServiceDir, supervisedDirs } from "./runsvdir.js";
import { instanceFiles, type InstanceFiles, type RunAs } from "./service-dir.js";
import { stopAndWait, sv } from "./sv.js";
import { isRoot, lookupUser } from "./users.js";
import { ensureDir, pruneDir, symlinkAtomic, writeFileAtomic } from "./writer.js";

export interface BootOptions extends PlanOptions {
  prefix: string;
  serviceDir?: string;
  wait?: string;
  /** The status service's port before the box's port offset; "0" runs none. */
  statusPort?: string;
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
  instances?: InstanceHealth[];
}

export async function bootCommand(options: BootOptions): Promise<CommandResult> {
  const waitSecs = options.wait === undefined ? undefined : intOption(options.wait, "--wait", 0);
  const report = await boot(options);
  if (waitSecs !== undefined) {
    const paths = boxPaths(options.prefix, report.serviceDir);
    const names = [...report.added, ...report.changed, ...report.unchanged];
    report.instances = await waitHealthy(paths, names, waitSecs * 1000);
    const sick = report.instances.filter((i) => !i.healthy);
    if (sick.length > 0) {
      throw new UnhealthyError(`${sick.length} of ${names.length} instances not healthy after ${waitSecs} s: ${sick.map((i) => i.name).join(", ")}`, {
        details: sick.flatMap((i) => [
          `${i.name}: ${publicState(i.state)}${i.lastExit ? `, last exit ${i.lastExit.code} (signal ${i.lastExit.signal})` : ""}${i.crashes ? `, ${i.crashes} crashes in a row` : ""}; log ${paths.log(i.name)}/current:`,
          ...logTail(paths, i.name).map((l) => `  ${l}`),
        ]),
      });
    }
  }
  const summary = `${report.mode} box under ${report.prefix}: ${report.added.length} added, ${report.changed.length} restarted, ${report.removed.length} removed, ${report.unchanged.length} unchanged; runsvdir ${report.runsvdir.pid}${report.runsvdir.started ? " (started)" : ""}`;
  const rows = report.instances ? [["INSTANCE", "STATE", "PID", "HEALTHY"], ...report.instances.map((i) => [i.name, publicState(i.state), String(i.pid ?? "-"), i.healthy ? "yes" : "no"])] : [];
  return { json: report, text: rows.length ? `${summary}\n\n${table(rows)}` : summary };
}

/** Polls until every instance is healthy or the deadline passes; returns the last reading. */
export async function waitHealthy(paths: BoxPaths, names: string[], timeoutMs: number): Promise<InstanceHealth[]> {
  let last: InstanceHealth[] = [];
  await pollUntil(async () => {
    last = await instancesHealth(paths, names);
    return last.every((i) => i.healthy);
  }, timeoutMs, 200);
  return last;
}

/** The boot itself: converge the box to the plan. */
export async function boot(options: BootOptions): Promise<BootReport> {
  const statusPort = intOption(options.statusPort, "--status-port", DEFAULT_STATUS_PORT);
  const { stack, plan } = await loadPlan(options);
  // Users are checked before anything is written: a boot that cannot run them leaves the box as it was.
  const runAs = resolveUsers(plan);
  // The prefix exists from here on, so its paths are real ones: runsv reports its real working directory.
  mkdirSync(options.prefix, { recursive: true });
  const preliminary = boxPaths(options.prefix, options.serviceDir);
  const paths = boxPaths(options.prefix, realServiceDir(preliminary.serviceDir));
  const clash = plan.instances.find((i) => statusPort !== 0 && i.port === statusPort + plan.portOffset);
  if (clash) throw new UsageError(`--status-port ${statusPort}: ${clash.name} listens on ${clash.port}; give unibox.status another port`);
  // A box booted from an image answers its load balancer; a development box only this machine.
  const status = statusPort === 0 ? undefined : statusInstance(paths, statusPort + plan.portOffset, existsSync(`${paths.opt}/manifest.json`) ? "0.0.0.0" : "127.0.0.1");
  const release = await acquireBootLock(paths);
  try {
    return await converge(stack, plan, paths, status, runAs);
  } finally {
    release();
  }
}

async function converge(stack: Stack, plan: Plan, paths: BoxPaths, status: PlannedInstance | undefined, runAs: Map<string, RunAs>): Promise<BootReport> {
  const desired = plan.instances.map((i) => instanceFiles(stack, plan, i, paths, runAs.get(i.name)!));
  // The status service is written, linked and restarted like an instance, but is not one of the plan's.
  if (status) desired.push(instanceFiles(stack, plan, status, paths, {}));
  const planned = new Set(desired.map((d) => d.instance));
  const existing = existsSync(paths.svRoot) ? readdirSync(paths.svRoot).filter((n) => !n.startsWith(".")) : [];
  const removed = existing.filter((n) => !planned.has(n));

  // What is no longer planned goes first: it may hold a port a new instance needs. Its grace is the
  // one it was booted with (the saved plan), with a margin.
  const previous = existsSync(paths.planFile) ? readSavedPlan(paths).plan.instances : [];
  const graceOf = (n: string) => (previous.find((i) => i.name === n)?.stop.graceMs ?? 60_000) / 1000;
  await removeInstances(paths, removed, Math.max(0, ...removed.map(graceOf)) + 10);

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
  const saved: SavedPlan = { plan, serviceDir: paths.serviceDir, root: stack.root, statusUrl: status && `http://127.0.0.1:${status.port}/health` };
  writeFileAtomic({ path: paths.planFile, mode: 0o644, contents: `${JSON.stringify(saved, null, 2)}\n` });

  // `unibox down` leaves `down` files so a restarted runsvdir keeps instances stopped: a boot wants them all up.
  for (const files of desired) rmSync(`${paths.sv(files.instance)}/down`, { force: true });
  for (const files of desired) symlinkAtomic(paths.sv(files.instance), paths.link(files.instance));
  const runsvdir = await ensureRunsvdir(paths.serviceDir, paths);

  // Stopped ones start again (`sv up` of a running service does nothing), what they need first;
  // then the instances whose files changed restart, and only they.
  const supervised = supervisedInstances(paths, [...changed, ...unchanged]);
  await sv("up", unchanged.filter((n) => supervised.has(n)).map((n) => paths.sv(n)));
  await Promise.all(
    changed.map(async (name) => {
      const instance = plan.instances.find((i) => i.name === name) ?? status!;
      if (supervised.has(name)) await sv("restart", [paths.sv(name)], restartWaitSecs(instance));
      writeApplied(paths, desired.find((d) => d.instance === name)!);
    }),
  );

  // The status service is reported apart: the lists are the stack's instances.
  const own = (list: string[]) => list.filter((n) => n !== STATUS_INSTANCE);
  return { mode: plan.mode, prefix: paths.prefix, serviceDir: paths.serviceDir, runsvdir, added: own(added), changed: own(changed), removed: own(removed), unchanged: own(unchanged) };
}

function restartWaitSecs(instance: PlannedInstance): number {
  return instance.stop.graceMs / 1000 + (instance.health?.timeoutMs ?? 0) / 1000 + 10;
}

function supervisedInstances(paths: BoxPaths, names: string[]): Set<string> {
  const dirs = supervisedDirs(names.map((n) => paths.sv(n)));
  return new Set(names.filter((n) => dirs.has(paths.sv(n))));
}

/** chpst -u and file owners per instance; fails before anything is written when a user cannot be had. */
function resolveUsers(plan: Plan): Map<string, RunAs> {
  const out = new Map<string, RunAs>();
  const root = isRoot();
  const me = userInfo().username;
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
    }
  }
  return out;
}

function writeInstance(files: InstanceFiles, paths: BoxPaths): void {
  for (const d of files.dirs) ensureDir(d);
  for (const f of files.files) writeFileAtomic(f);
  // Env layers: drop layer dirs and variables that are no longer there (chpst would still read them).
  const envDirs = files.dirs.filter((d) => d.path.startsWith(`${files.envDir}/`)).map((d) => d.path);
  pruneDir(files.envDir, new Set(envDirs.map((d) => d.slice(files.envDir.length + 1))), true);
  for (const dir of envDirs) {
    const keep = new Set(files.files.filter((f) => f.path.startsWith(`${dir}/`)).map((f) => f.path.slice(dir.length + 1)));
    pruneDir(dir, keep, true);
  }
  const sv = paths.sv(files.instance);
  if (!files.files.some((f) => f.path === `${sv}/check`)) rmSync(`${sv}/check`, { force: true });
}

function readApplied(paths: BoxPaths, name: string): string | undefined {
  try {
    return readFileSync(`${paths.sv(name)}/.applied`, "utf8").trim();
  } catch {
    return undefined;
  }
}

function writeApplied(paths: BoxPaths, files: InstanceFiles): void {
  writeFileAtomic({ path: `${paths.sv(files.instance)}/.applied`, mode: 0o644, contents: `${files.fingerprint}\n` });
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
  if (supervised.length > 0) {
    await sv("exit", supervised);
    const gone = await pollUntil(() => supervisedDirs(dirs).size === 0, 10_000, 100);
    if (!gone) throw new RuntimeFailure(`runsv of ${names.join(", ")} did not exit; not removing their directories`);
  }
  for (const n of names) {
    rmSync(paths.sv(n), { recursive: true, force: true });
    rmSync(paths.env(n), { recursive: true, force: true });
  }
}

