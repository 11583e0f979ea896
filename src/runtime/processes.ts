// What /proc says: which processes run, in which group, with which arguments. No `ps`, no pkill.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename } from "node:path";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  argv: string[];
}

/**
 * Every process we can read, zombies included (their argv is empty). With `comm`, only processes of
 * those names (as the kernel knows them): their command lines alone are read, which is most of the cost.
 */
export function listProcesses(comm?: string[]): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (comm && !comm.includes(stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")))) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter((a, i, all) => a !== "" || i < all.length - 1);
      out.push({ pid: Number(name), state: fields[0], ppid: Number(fields[1]), pgid: Number(fields[2]), argv });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Live processes of runit's program `name` (runsv, runsvdir, svlogd) that are really that program and run
 * as we do: anyone can call a process "runsv" and work in a service directory, but not make its
 * executable /usr/bin/runsv or its owner root. A fake must neither block a boot nor hold up a down.
 */
export function runitProcesses(name: "runsv" | "runsvdir" | "svlogd", processes: ProcessInfo[] = listProcesses([name])): ProcessInfo[] {
  const uid = process.getuid?.();
  return processes.filter((p) => {
    if (p.state === "Z" || basename(p.argv[0] ?? "") !== name) return false;
    try {
      if (basename(readlinkSync(`/proc/${p.pid}/exe`)) !== name) return false;
      const owner = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"))?.[1];
      return uid === undefined || Number(owner) === uid;
    } catch {
      return false; // gone, or not ours to read
    }
  });
}

/** Whether `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** The environment of a running process (for tests and `status --verbose`). */
export function processEnv(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
    const eq = kv.indexOf("=");
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

/** A process's working directory ("... (deleted)" when it was removed): runsv works in its service directory, whatever name runsvdir gave it. */
export function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}
