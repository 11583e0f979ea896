// Which `review up` is making a box: its pid and its start time (a pid alone may be reused by then). A box
// still "starting" whose maker is gone was left half-made by a `review up` killed with -9: the next `review up`
// of that name and `review reap` remove it.
import { readFileSync } from "node:fs";

export interface Maker {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: the process's start time, in clock ticks since boot. */
  start: string;
}

export function thisMaker(): Maker {
  return { pid: process.pid, start: startOf(process.pid) ?? "" };
}

/** Whether the process that made the box still runs (a zombie does not: it died and was not reaped yet). */
export function makerAlive(maker: Maker): boolean {
  try {
    const stat = readFileSync(`/proc/${maker.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] !== "Z" && fields[19] === maker.start;
  } catch {
    return false;
  }
}

function startOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
