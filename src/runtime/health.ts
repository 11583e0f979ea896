// Is an instance up and healthy? runsv's state, then its check script (runit 2.1.2's `sv check`
// says "ok" for a service that is down but wanted up, so the state is read first).
import { existsSync, readFileSync } from "node:fs";
import { runProgram } from "./exec.js";
import type { BoxPaths } from "./paths.js";
import { cwdOf } from "./processes.js";
import { readSupervise, type SuperviseStatus } from "./sv.js";

/** Without a health spec, an instance counts as healthy once it has stayed up this long (a crash loop never does). */
export const MIN_UPTIME_SECS = 1;
const STAMP_SLACK_MS = 500;

/** A one-shot's states beside runsv's: it ran to its end in this start of its supervisor, with exit 0 or not. */
export type OnceState = "done" | "failed";

export interface InstanceHealth {
  name: string;
  state: SuperviseStatus["state"] | OnceState;
  /** A one-shot (`once: true`): healthy once done; `failed` when it exited otherwise (never restarted). */
  once: boolean;
  pid?: number;
  uptimeSeconds?: number;
  healthy: boolean;
  /** `time code signal` from `finish`, if it ever exited. */
  lastExit?: { at: string; code: number; signal: number };
  crashes: number;
  wantDown: boolean;
}

/** Health of every named instance: runsv's record of each, then the check scripts of those running, a few at a time. */
export async function instancesHealth(paths: BoxPaths, names: string[], concurrency = 8): Promise<InstanceHealth[]> {
  const dirs = names.map((n) => paths.sv(n));
  const now = Date.now();
  const supervise = dirs.map(readSupervise);
  const results: InstanceHealth[] = names.map((name, i) => {
    const s = supervise[i];
    return {
      name,
      state: s.state,
      pid: s.state === "run" ? s.pid : undefined,
      uptimeSeconds: s.state === "run" && s.sinceMs !== undefined ? Math.max(0, Math.floor((now - s.sinceMs) / 1000)) : undefined,
      healthy: false,
      lastExit: readLastExit(dirs[i]),
      crashes: readNumber(`${dirs[i]}/.crashes`),
      wantDown: s.want === "down" || (s.state === "down" && !s.normallyUp && s.want !== "up"),
      once: false,
    };
  });
  // One-shots: judged by their result, not by a check of a running process (runsv keeps them down once run).
  results.forEach((r, i) => {
    if (!existsSync(`${dirs[i]}/once`)) return;
    r.once = true;
    // runsv wants a finished one-shot down (`sv once`): only a `down` file (unibox down) is a wish to keep it down.
    r.wantDown = !supervise[i].normallyUp;
    if (supervise[i].state !== "down") return;
    const result = onceResult(dirs[i]);
    if (!result) return;
    r.state = result.code === 0 ? "done" : "failed";
    r.healthy = result.code === 0;
  });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < results.length; i = next++) {
      const r = results[i];
      if (r.state !== "run" || r.once) continue;
      // `run` writes .started once what it needs is healthy, right before the app starts. One from before
      // this run is the last run's (a crashed app being restarted) and does not count. runsv stamps the
      // run after forking it, so a fresh .started can precede the stamp by a little; a stale one precedes
      // it by a second at least (runsv waits 1 s before restarting a run that lived less than that).
      const startedAt = readStarted(dirs[i]);
      if (startedAt === undefined || startedAt * 1000 < (supervise[i].sinceMs ?? Infinity) - STAMP_SLACK_MS) continue;
      const check = `${dirs[i]}/check`;
      if (existsSync(check)) {
        const c = await runProgram(check, [], { cwd: dirs[i], timeoutMs: 30_000 });
        r.healthy = c.code === 0;
      } else {
        r.healthy = Date.now() / 1000 - startedAt >= MIN_UPTIME_SECS;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, results.length) }, worker));
  return results;
}

/**
 * A one-shot's result (`.once-result`: `time code signal runsv-pid`, written by `finish`), when it is this
 * supervisor's: the runsv that wrote it still works in the directory. One from before a reboot, a `down
 * --reset` or a new runsv is no result: the one-shot runs again in that start.
 */
export function onceResult(dir: string): { at: string; code: number; signal: number } | undefined {
  let fields: string[];
  try {
    fields = readFileSync(`${dir}/.once-result`, "utf8").trim().split(" ");
  } catch {
    return undefined;
  }
  const [at, code, signal, supervisor] = fields.map(Number);
  if (!Number.isInteger(supervisor) || supervisor <= 0 || cwdOf(supervisor) !== dir) return undefined;
  return { at: new Date(at * 1000).toISOString(), code, signal };
}

function readLastExit(dir: string): InstanceHealth["lastExit"] {
  try {
    const [at, code, signal] = readFileSync(`${dir}/.last-exit`, "utf8").trim().split(" ");
    return { at: new Date(Number(at) * 1000).toISOString(), code: Number(code), signal: Number(signal) };
  } catch {
    return undefined;
  }
}

function readStarted(dir: string): number | undefined {
  try {
    const n = Number(readFileSync(`${dir}/.started`, "utf8").trim());
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function readNumber(path: string): number {
  try {
    return Number(readFileSync(path, "utf8").trim()) || 0;
  } catch {
    return 0;
  }
}

/**
 * The last `lines` lines of an instance's log (svlogd's `current`), each cut to 300 characters, control
 * characters shown as `?`: an app's output must not drive the terminal of whoever reads the failure.
 */
export function logTail(paths: BoxPaths, name: string, lines = 5): string[] {
  try {
    return readFileSync(`${paths.log(name)}/current`, "utf8")
      .trimEnd()
      .split("\n")
      .slice(-lines)
      .map((l) => l.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "?").slice(0, 300));
  } catch {
    return [];
  }
}

/** The state as DESIGN.md §3 names it for users: "up" for runit's "run"; a one-shot's "done" or "failed". */
export function publicState(state: InstanceHealth["state"]): "up" | "down" | "finish" | "unsupervised" | OnceState {
  return state === "run" ? "up" : state;
}
