// Reading and driving runsv through `sv` and the files it keeps in supervise/.
import { closeSync, constants, existsSync, openSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { runProgram } from "./exec.js";
import { cwdOf, listProcesses, runitProcesses } from "./processes.js";

/** The state runsv wrote last, without a process (supervise/stat: run, down, finish). */
export function readStat(dir: string): string | undefined {
  try {
    // "run", "down", "finish", possibly followed by ", want down" / ", want up".
    return readFileSync(`${dir}/supervise/stat`, "utf8").split(",")[0].trim();
  } catch {
    return undefined;
  }
}

/** Runs `sv [-w secs] verb dirs...`; returns its exit code (the number of services that failed). */
export async function sv(verb: string, dirs: string[], waitSecs?: number): Promise<{ code: number; output: string }> {
  if (dirs.length === 0) return { code: 0, output: "" };
  const args = waitSecs === undefined ? [verb, ...dirs] : ["-w", String(Math.ceil(waitSecs)), verb, ...dirs];
  // Paths are absolute; SVDIR unset would send a bare name to /etc/service.
  return runProgram("sv", args, { env: { ...process.env, SVDIR: "/nonexistent" }, capture: true });
}

/**
 * `sv down`, then polls supervise/stat every 50 ms until each is down (`sv -w` polls every 420 ms, which
 * would add up to that much to every stop). Returns which stopped and which did not within `timeoutMs`.
 * On a full disk runsv cannot record the stop: once a second, what is still pending is also judged by
 * /proc (a runsv with no child but its svlogd supervises nothing that runs).
 */
export async function stopAndWait(dirs: string[], timeoutMs: number): Promise<{ stopped: string[]; failed: string[] }> {
  if (dirs.length === 0) return { stopped: [], failed: [] };
  await sv("down", dirs);
  const deadline = Date.now() + timeoutMs;
  const downByProc = new Set<string>();
  let nextProcLook = Date.now() + 1000;
  for (;;) {
    if (Date.now() >= nextProcLook) {
      for (const d of idleSupervisors(dirs.filter((d) => readStat(d) !== "down"))) downByProc.add(d);
      nextProcLook = Date.now() + 1000;
    }
    const pending = dirs.filter((d) => readStat(d) !== "down" && !downByProc.has(d));
    if (pending.length === 0 || Date.now() >= deadline) {
      return { stopped: dirs.filter((d) => !pending.includes(d)), failed: pending };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Which of `dirs` have a live runsv whose only child is its svlogd (or none). */
function idleSupervisors(dirs: string[]): string[] {
  if (dirs.length === 0) return [];
  const all = listProcesses();
  const wanted = new Set(dirs);
  const idle: string[] = [];
  for (const runsv of runitProcesses("runsv", all)) {
    const dir = cwdOf(runsv.pid);
    if (!dir || !wanted.has(dir)) continue;
    const children = all.filter((p) => p.ppid === runsv.pid && p.state !== "Z");
    if (children.every((c) => basename(c.argv[0] ?? "") === "svlogd")) idle.push(dir);
  }
  return idle;
}

/** TAI64 label of the Unix epoch as runit writes it (2^62 + 10). */
const TAI_UNIX_EPOCH = 4611686018427387914n;

export interface SuperviseStatus {
  state: "run" | "down" | "finish" | "unsupervised";
  pid?: number;
  /** When runsv entered the current state (ms since the epoch, from supervise/status's TAI64N stamp). */
  sinceMs?: number;
  want?: "up" | "down";
  /** No `down` file: runsv starts it on its own. */
  normallyUp: boolean;
}

/**
 * runsv's own record, read without forking `sv`: supervise/status is 20 bytes (TAI64N stamp, pid
 * little-endian, paused, want, term, state); supervise/ok has a reader only while runsv runs.
 */
export function readSupervise(dir: string): SuperviseStatus {
  const normallyUp = !existsSync(`${dir}/down`);
  try {
    const fd = openSync(`${dir}/supervise/ok`, constants.O_WRONLY | constants.O_NONBLOCK);
    closeSync(fd);
  } catch {
    return { state: "unsupervised", normallyUp };
  }
  let buf: Buffer;
  try {
    buf = readFileSync(`${dir}/supervise/status`);
  } catch {
    return { state: "unsupervised", normallyUp };
  }
  if (buf.length < 20) return { state: "unsupervised", normallyUp };
  const sec = buf.readBigUInt64BE(0) - TAI_UNIX_EPOCH;
  const nano = buf.readUInt32BE(8);
  const pid = buf.readUInt32LE(12);
  const state = (["down", "run", "finish"] as const)[buf[19]] ?? "down";
  return {
    state,
    pid: pid || undefined,
    sinceMs: Number(sec) * 1000 + Math.floor(nano / 1e6),
    want: buf[17] === 0x75 ? "up" : buf[17] === 0x64 ? "down" : undefined,
    normallyUp,
  };
}
