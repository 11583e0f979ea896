// Reading and driving runsv through `sv` and the files it keeps in supervise/.
import { readFileSync } from "node:fs";
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
