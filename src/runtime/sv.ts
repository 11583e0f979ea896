// Reading and driving runsv through `sv` and the files it keeps in supervise/.
import { closeSync, constants, existsSync, openSync, readFileSync } from "node:fs";
import { execa } from "execa";

export interface SvState {
  /** The service directory given to sv. */
  dir: string;
  /** "run", "down", "finish", or "unsupervised" when no runsv holds it. */
  state: "run" | "down" | "finish" | "unsupervised";
  pid?: number;
  /** Seconds in the current state. */
  seconds?: number;
  /** runsv will start it (wanted up) / keep it stopped. */
  want?: "up" | "down";
  normallyUp: boolean;
}

const LINE = /^(run|down|finish|fail|warning): ([^:]+): (?:\(pid (\d+)\) )?(\d+)s?(.*)$/;

/** One `sv status` call for many service directories. */
export async function svStatus(dirs: string[]): Promise<Map<string, SvState>> {
  const out = new Map<string, SvState>();
  if (dirs.length === 0) return out;
  // sv exits with the number of failures; its output is what matters.
  const r = await execa("sv", ["status", ...dirs], { reject: false, env: { SVDIR: "/nonexistent" } });
  for (const line of `${r.stdout}\n${r.stderr}`.split("\n")) {
    const service = parseStatusLine(line);
    if (service) out.set(service.dir, service);
  }
  for (const d of dirs) if (!out.has(d)) out.set(d, { dir: d, state: "unsupervised", normallyUp: true });
  return out;
}

/** Parses `run: /x/sv/a: (pid 12) 5s, normally down, want down; run: log: ...`. */
export function parseStatusLine(line: string): SvState | undefined {
  const main = line.split("; ")[0];
  if (main.startsWith("fail:") || main.startsWith("warning:")) {
    const dir = main.split(": ")[1];
    return dir ? { dir, state: "unsupervised", normallyUp: true } : undefined;
  }
  const m = LINE.exec(main);
  if (!m) return undefined;
  const rest = m[5] ?? "";
  return {
    dir: m[2],
    state: m[1] as SvState["state"],
    pid: m[3] ? Number(m[3]) : undefined,
    seconds: Number(m[4]),
    want: rest.includes("want up") ? "up" : rest.includes("want down") ? "down" : undefined,
    // sv names the exception only: "normally down" for a running service, "normally up" for a stopped one.
    normallyUp: m[1] === "down" ? rest.includes("normally up") : !rest.includes("normally down"),
  };
}

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
  const r = await execa("sv", args, { reject: false, all: true, env: { SVDIR: "/nonexistent" } });
  return { code: r.exitCode ?? 1, output: r.all ?? "" };
}

/**
 * `sv down`, then polls supervise/stat every 50 ms until each is down (`sv -w` polls every 420 ms, which
 * would add up to that much to every stop). Returns which stopped and which did not within `timeoutMs`.
 */
export async function stopAndWait(dirs: string[], timeoutMs: number): Promise<{ stopped: string[]; failed: string[] }> {
  if (dirs.length === 0) return { stopped: [], failed: [] };
  await sv("down", dirs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = dirs.filter((d) => readStat(d) !== "down");
    if (pending.length === 0 || Date.now() >= deadline) {
      return { stopped: dirs.filter((d) => !pending.includes(d)), failed: pending };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
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
