// `unibox down`: stop everything gracefully, dependents first; `--reset` also removes what boot generated.
// What is supervised is read from the service directories themselves, so a missing or corrupt plan.json
// never leaves a box that cannot be stopped.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { RuntimeFailure } from "../errors.js";
import { acquireBootLock } from "./boot-lock.js";
import { openBox, supervisedRecords } from "./box.js";
import { deletedSupervisors, stopDeletedSupervisor } from "./orphans.js";
import type { BoxPaths } from "./paths.js";
import { exitRunsv } from "./exit-runsv.js";
import { stopLogPipeHolders } from "./log-pipe.js";
import { findRunsvdir, ownRunsvdir, stopRunsvdir, supervisedDirs } from "./runsvdir.js";
import type { InstanceRecord } from "./service-dir.js";
import { STATUS_INSTANCE } from "./status-instance.js";
import { stopLevels } from "./stop-order.js";
import { stopAndWait } from "./sv.js";
import { runProgram } from "./exec.js";
import { findTools } from "./tools.js";
import { writeFileAtomic } from "./writer.js";

export interface DownReport {
  prefix: string;
  stopped: string[];
  failed: string[];
  reset: boolean;
  seconds: number;
  /** Set when the saved plan was missing or corrupt: what was stopped came from the service directories. */
  note?: string;
}

/** Stops the box under `prefix`; with `reset`, also its runsvdir and everything boot generated (logs stay). */
export async function down(request: { prefix: string; reset: boolean }): Promise<DownReport> {
  const started = Date.now();
  const box = openBox(request.prefix);
  const { paths } = box;
  if (!existsSync(paths.prefix) || (!existsSync(paths.svRoot) && !existsSync(paths.etc))) {
    if (request.reset) return { prefix: paths.prefix, stopped: [], failed: [], reset: true, seconds: 0, note: "nothing was booted here" };
    throw new RuntimeFailure(`nothing booted under ${paths.prefix}: ${box.problem ?? "no service directories"}`);
  }
  const release = await acquireBootLock(paths);
  try {
    const records = supervisedRecords(paths);
    const { stopped, failed } = await stopAll(paths, records);
    if (failed.length > 0 && !request.reset) throw new RuntimeFailure(`could not stop: ${failed.join(", ")}`);
    if (request.reset) await reset(paths, records);
    const note = box.saved ? undefined : `${box.problem}; stopped what the service directories name`;
    return { prefix: paths.prefix, stopped, failed, reset: request.reset, seconds: (Date.now() - started) / 1000, note };
  } finally {
    release();
  }
}

/** Stops every instance level by level (the status service with the first), and any supervisor of a deleted directory. */
async function stopAll(paths: BoxPaths, records: InstanceRecord[]): Promise<{ stopped: string[]; failed: string[] }> {
  const stopped: string[] = [];
  const failed: string[] = [];
  const [first = [], ...rest] = stopLevels(records.filter((r) => r.name !== STATUS_INSTANCE));
  const levels = [[...records.filter((r) => r.name === STATUS_INSTANCE).map((r) => r.name), ...first], ...rest].filter((l) => l.length > 0);
  for (const level of levels) {
    // A `down` file keeps an instance stopped should runsvdir restart (a reboot); boot removes it.
    for (const name of level) writeFileAtomic({ path: `${paths.sv(name)}/down`, mode: 0o644, contents: "" });
    const dirs = [...supervisedDirs(level.map((n) => paths.sv(n)))];
    const grace = Math.max(5000, ...records.filter((r) => level.includes(r.name)).map((r) => r.graceMs)) / 1000;
    // control/t escalates to KILL after the grace; the wait covers it with a margin.
    // Hundreds of instances stopping at once share two cores: the margin grows with their number.
    const r = await stopAndWait(dirs, (grace + 5 + dirs.length / 20) * 1000);
    // "Leave nothing": what escaped an instance's group but kept writing to its log goes with it.
    await stopLogPipeHolders(r.stopped);
    stopped.push(...r.stopped.map((d) => d.slice(paths.svRoot.length + 1)).filter((n) => n !== STATUS_INSTANCE));
    failed.push(...r.failed.map((d) => d.slice(paths.svRoot.length + 1)));
  }
  for (const orphan of deletedSupervisors(paths.svRoot)) {
    await stopDeletedSupervisor(orphan.pid, records.find((r) => r.name === orphan.name)?.graceMs ?? 60_000);
    stopped.push(orphan.name);
  }
  return { stopped, failed };
}

/** Unlinks, stops the runsvdir boot started and every runsv left, then removes what boot generated. */
async function reset(paths: BoxPaths, records: InstanceRecord[]): Promise<void> {
  const svDirs = records.map((r) => paths.sv(r.name));
  for (const r of records) rmSync(r.link, { force: true });
  // Where the links were (the records say, whatever plan.json claims), and the runsvdir on each that is
  // the box's own: the one boot started (its pid file), or any scanning a directory inside the prefix
  // (a boot killed before it wrote the pid file). On a real box the system's may supervise others too.
  const scanned = [...new Set([paths.serviceDir, ...records.map((r) => dirname(r.link))])];
  for (const dir of scanned) {
    const own = [ownRunsvdir(dir, paths), ...(paths.prefix !== "/" && dir.startsWith(`${paths.prefix}/`) ? findRunsvdir(dir) : [])];
    const pids = [...new Set(own.filter((p): p is number => p !== undefined))];
    if (pids.length === 0) continue;
    await stopLogPipeHolders(svDirs);
    await stopRunsvdir(dir, 30_000, pids);
  }
  // Left: runsv of another runsvdir (unlinked above, so it will not start them again), or of one that died.
  await exitRunsv([...supervisedDirs(svDirs)], 30_000, "left the generated files in place");
  // State directories are their users' to fill: coreutils rm walks them without following a symlink
  // a user might swap in mid-walk (openat, no-follow), which a path-by-path removal cannot promise.
  if (existsSync(paths.stateRoot)) {
    const rm = await runProgram(findTools(["rm"]).rm, ["-rf", "--", paths.stateRoot], { capture: true });
    if (rm.code !== 0) throw new RuntimeFailure(`cannot remove ${paths.stateRoot}: ${rm.output.trim()}`);
  }
  for (const p of [paths.etc, paths.runDir]) rmSync(p, { recursive: true, force: true });
  // Directories boot created under a test or review-box prefix, once empty (never the system's /etc/service).
  if (paths.prefix !== "/") {
    for (const dir of [paths.serviceDir, paths.etc, paths.stateRoot, paths.runDir]) removeEmptyParents(dir, paths.prefix);
  }
}

/** Removes `dir` and its parents while they are empty, stopping at `stop`. */
function removeEmptyParents(dir: string, stop: string): void {
  for (let d = dir; d.startsWith(`${stop}/`); d = dirname(d)) {
    if (existsSync(d) && readdirSync(d).length > 0) return;
    rmSync(d, { recursive: true, force: true });
  }
}
