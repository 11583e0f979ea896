// Processes that escaped an instance's process group (setsid, daemonizing) but still write to its log:
// they keep svlogd, and so runsv, from ever exiting. Once the instance is down, whatever still holds
// its log pipe belongs to it and goes too.
import { readdirSync, readlinkSync } from "node:fs";
import { pollUntil } from "../shared/poll.js";
import { cwdOf, isAlive, listProcesses, runitProcesses } from "./processes.js";

/** Pids, other than runsv and svlogd, holding the log pipe of any of `svDirs`. */
export function logPipeHolders(svDirs: string[]): number[] {
  const all = listProcesses();
  const wanted = new Set(svDirs);
  const pipes = new Set<string>();
  const exempt = new Set<number>();
  const runsvs = runitProcesses("runsv", all).filter((p) => wanted.has(cwdOf(p.pid) ?? ""));
  for (const svlogd of runitProcesses("svlogd", all)) {
    const parent = runsvs.find((r) => r.pid === svlogd.ppid);
    if (!parent) continue;
    const pipe = link(`/proc/${svlogd.pid}/fd/0`);
    if (pipe?.startsWith("pipe:")) pipes.add(pipe);
    exempt.add(svlogd.pid).add(parent.pid);
  }
  if (pipes.size === 0) return [];
  const holders: number[] = [];
  for (const p of all) {
    if (exempt.has(p.pid) || p.pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p.pid}/fd`);
    } catch {
      continue;
    }
    if (fds.some((fd) => pipes.has(link(`/proc/${p.pid}/fd/${fd}`) ?? ""))) holders.push(p.pid);
  }
  return holders;
}

/** TERMs what still holds the log pipes of `svDirs` (instances that are down), then KILLs it after `graceMs`. */
export async function stopLogPipeHolders(svDirs: string[], graceMs = 2000): Promise<number[]> {
  const pids = logPipeHolders(svDirs);
  for (const pid of pids) signal(pid, "SIGTERM");
  if (!(await pollUntil(() => pids.every((p) => !isAlive(p)), graceMs, 50))) for (const pid of pids) signal(pid, "SIGKILL");
  return pids;
}

function link(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}
