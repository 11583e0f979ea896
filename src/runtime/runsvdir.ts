// The runsvdir that scans the service directory: found by its arguments, started detached when none runs.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, realpathSync, utimesSync } from "node:fs";
import { RuntimeFailure } from "../errors.js";
import type { BoxPaths } from "./paths.js";
import { pollUntil } from "../shared/poll.js";
import { cwdOf, isAlive, runitProcesses } from "./processes.js";
import { mkdirParents, writeFileAtomic } from "./writer.js";


/** Where runsvdir really looks: `/etc/service` may be a link (Debian repoints it at svmanaged). */
export function realServiceDir(dir: string): string {
  mkdirParents(dir);
  return realpathSync(dir);
}

/** Pids of runsvdir processes scanning `dir`. */
export function findRunsvdir(dir: string): number[] {
  return runitProcesses("runsvdir")
    .filter((p) => p.argv.slice(1).some((a) => a === dir || safeRealpath(a) === dir))
    .map((p) => p.pid);
}

function safeRealpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** Starts runsvdir on `dir` unless one runs; returns its pid and whether it was started now. */
export async function ensureRunsvdir(dir: string, paths: BoxPaths): Promise<{ pid: number; started: boolean }> {
  const running = findRunsvdir(dir);
  if (running.length > 0) return { pid: running[0], started: false };
  // runsvdir waits a second before its first scan when the directory changed in the current second.
  const past = new Date(Date.now() - 2000);
  utimesSync(dir, past, past);
  mkdirParents(paths.runDir);
  mkdirParents(paths.logRoot);
  const log = openSync(paths.runsvdirLog, "a", 0o644);
  // Its own session (detached), a clean environment (services see their env layers and PATH only),
  // -P so each runsv has its own process group and a terminal's Ctrl-C reaches none of them.
  const child = spawn("runsvdir", ["-P", dir, `log: ${".".repeat(200)}`], {
    detached: true,
    stdio: ["ignore", log, log],
    env: { PATH: process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  closeSync(log);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once("error", (err) => reject(new RuntimeFailure(`cannot start runsvdir: ${err.message} (is runit installed? apt-get install runit)`, { cause: err })));
    child.once("spawn", () => resolve(child.pid!));
  });
  child.unref();
  writeFileAtomic({ path: paths.runsvdirPidFile, mode: 0o644, contents: `${pid}\n` });
  return { pid, started: true };
}

/** The runsvdir unibox started on `dir` (its pid file), if it still runs; never one the system started. */
export function ownRunsvdir(dir: string, paths: BoxPaths): number | undefined {
  try {
    const pid = Number(readFileSync(paths.runsvdirPidFile, "utf8").trim());
    return findRunsvdir(dir).includes(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * HUP: runsvdir sends TERM to every runsv it started and exits (TERM would leave them running). Waits
 * until the runsvdir `pids` (default: every one scanning `dir`) and those runsv are gone. A runsv that
 * another runsvdir started (one that died) is not waited for: the caller tells it to exit.
 */
export async function stopRunsvdir(dir: string, timeoutMs = 30_000, only?: number[]): Promise<void> {
  const pids = only ?? findRunsvdir(dir);
  const children = runitProcesses("runsv")
    .filter((p) => pids.includes(p.ppid))
    .map((p) => p.pid);
  for (const pid of pids) process.kill(pid, "SIGHUP");
  const ok = await pollUntil(() => [...pids, ...children].every((p) => !isAlive(p)), timeoutMs, 50);
  if (!ok) throw new RuntimeFailure(`runsvdir on ${dir} or its runsv processes did not exit within ${timeoutMs / 1000} s`);
}


/** Which of `svDirs` a live runsv supervises (runsv works in its service directory, whatever name runsvdir gave it). */
export function supervisedDirs(svDirs: string[]): Set<string> {
  if (svDirs.length === 0) return new Set();
  const wanted = new Set(svDirs);
  const found = new Set<string>();
  for (const p of runitProcesses("runsv")) {
    const cwd = cwdOf(p.pid);
    if (cwd && wanted.has(cwd)) found.add(cwd);
  }
  return found;
}
