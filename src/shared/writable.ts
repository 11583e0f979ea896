// Whether others could change what root is about to run or read: a directory (or one above it) that someone
// other than its owner can write. Used by boot (the prefix, the service dir), the image store and --env-dir.
import { statSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import { UsageError } from "../errors.js";

/** `mode 0755, owner uid 0 gid 0`: how a directory is described in refusals. */
export function describeMode(st: Stats): string {
  return `mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")}, owner uid ${st.uid} gid ${st.gid}`;
}

/**
 * Refuses a directory (or, when it does not exist yet, the deepest existing ancestor) that someone other
 * than its owner could write, or above which someone could: runsvdir starts as root whatever appears
 * there. A sticky directory such as /tmp is fine above it: others cannot move what they do not own.
 */
export function checkNotWritableByOthers(path: string, what: string): void {
  for (let d = path; ; d = dirname(d)) {
    const st = statSync(d, { throwIfNoEntry: false });
    if (st) {
      const sticky = (st.mode & 0o1000) !== 0 && d !== path;
      const byOthers = (st.mode & 0o002) !== 0 || ((st.mode & 0o020) !== 0 && st.gid !== 0);
      if (byOthers && !sticky) {
        throw new UsageError(`${what} ${path}: ${d} is ${describeMode(st)}, writable by others, who could add or swap what root runs there; starting nothing`, {
          details: [`Fix: chmod go-w ${d}, or choose a directory only root can write.`],
        });
      }
    }
    if (d === dirname(d)) return;
  }
}

/**
 * Refuses a directory that anyone but this user or root owns, or below a directory such a one owns (sticky
 * ones such as /tmp excepted): its owner could rename what is in it and put something else in its place,
 * whatever its mode. What root reads for every service (the image store, --env-dir) must be ours.
 */
export function checkOwnedByUs(path: string, what: string, fix: string): void {
  const me = process.getuid?.() ?? 0;
  for (let d = path; ; d = dirname(d)) {
    const st = statSync(d, { throwIfNoEntry: false });
    if (st) {
      const sticky = (st.mode & 0o1000) !== 0 && d !== path;
      if (!sticky && st.uid !== me && st.uid !== 0) {
        throw new UsageError(`${what} ${path}: ${d} belongs to uid ${st.uid}, who could swap what root reads there`, { details: [fix] });
      }
    }
    if (d === dirname(d)) return;
  }
}
