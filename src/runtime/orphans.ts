// Supervisors a broken box left behind, found and stopped before boot converges:
// - a runsv whose service directory was deleted by hand: it supervises on, from a directory no one
//   can reach (its control fifo is gone with it), and a new runsv for the recreated directory would
//   start a second copy of the app beside the first;
// - runsv processes whose runsvdir died (kill -9): a new runsvdir's runsv would fail on their locks
//   and retry forever. They are stopped gracefully (`sv exit`) and the new runsvdir starts them anew.
import { cwdOf, isAlive, listProcesses, type ProcessInfo, runitProcesses } from "./processes.js";
import { pollUntil } from "../shared/poll.js";
import { RuntimeFailure } from "../errors.js";

const DELETED = " (deleted)";

/** runsv processes working in a deleted directory under `svRoot`: the instance name and the pid. */
export function deletedSupervisors(svRoot: string, processes: ProcessInfo[] = listProcesses()): { name: string; pid: number }[] {
  const out: { name: string; pid: number }[] = [];
  for (const p of runitProcesses("runsv", processes)) {
    const cwd = cwdOf(p.pid);
    if (cwd?.startsWith(`${svRoot}/`) && cwd.endsWith(DELETED)) out.push({ name: cwd.slice(svRoot.length + 1, -DELETED.length), pid: p.pid });
  }
  return out;
}

/**
 * Stops what a runsv in a deleted directory supervises: runsv itself is told to exit (TERM), the app's
 * process group gets TERM, then KILL after `graceMs`; whatever is left of runsv is killed last.
 */
export async function stopDeletedSupervisor(pid: number, graceMs: number): Promise<void> {
  const all = listProcesses();
  const children = all.filter((p) => p.ppid === pid && p.state !== "Z");
  // The app runs in its own group (chpst -P); a child that leads none (svlogd, a run script still
  // waiting for what it needs) is signalled alone.
  const groups = children.filter((c) => c.pgid === c.pid).map((c) => c.pid);
  const singles = children.filter((c) => c.pgid !== c.pid).map((c) => c.pid);
  signal(pid, "SIGTERM");
  for (const g of groups) signal(-g, "SIGTERM");
  for (const s of singles) signal(s, "SIGTERM");
  const groupAlive = () => listProcesses().some((p) => groups.includes(p.pgid) && p.state !== "Z");
  if (!(await pollUntil(() => !groupAlive(), graceMs, 50))) for (const g of groups) signal(-g, "SIGKILL");
  if (!(await pollUntil(() => !isAlive(pid), 5000, 50))) {
    for (const c of listProcesses().filter((p) => p.ppid === pid)) signal(c.pid, "SIGKILL");
    signal(pid, "SIGKILL");
    if (!(await pollUntil(() => !isAlive(pid), 2000, 50))) throw new RuntimeFailure(`runsv ${pid} of a deleted service directory did not exit`);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}
