// Before boot writes anything: can every service user reach its working directory and the parent of
// its state directory? A prefix under a 0700 home otherwise gives crash loops on "Permission denied".
import { statSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import { RuntimeFailure } from "../errors.js";
import { describeMode as describe } from "../shared/writable.js";
import { groupsOf, type UserInfo } from "./users.js";

/** One instance as the check sees it: who runs it, where it works, where its state lives. */
export interface ReachRequest {
  instance: string;
  user: UserInfo;
  cwd: string;
  stateDir: string;
}

/** Fails naming each user, the directory it cannot enter, that directory's owner and mode, and the fix. */
export function checkReachable(requests: ReachRequest[]): void {
  const problems = new Map<string, string>();
  for (const r of requests) {
    if (r.user.uid === 0) continue;
    const groups = groupsOf(r.user);
    const cwdProblem = blocker(r.cwd, r.user, groups, true);
    if (cwdProblem) problems.set(`${r.user.name} ${r.cwd}`, `${r.user.name} (${r.instance}) cannot reach its working directory ${r.cwd}: ${cwdProblem}`);
    // The state directory itself boot creates, owned by the user; what lies above it must let the user through.
    const stateProblem = blocker(dirname(r.stateDir), r.user, groups, false);
    if (stateProblem) problems.set(`${r.user.name} ${r.stateDir}`, `${r.user.name} (${r.instance}) cannot reach its state directory ${r.stateDir}: ${stateProblem}`);
  }
  if (problems.size === 0) return;
  const list = [...problems.values()];
  throw new RuntimeFailure(`${list[0]}; starting nothing`, {
    details: [
      ...list.slice(1),
      "Every service user must be able to enter (x) each directory above its working and state directories.",
      "Put the stack and --prefix under a directory they can all enter (/srv, /opt, /var/lib), or chmod o+x the directory named.",
    ],
  });
}

/** Why `user` cannot reach `path` (every existing ancestor and the path itself needs x), or undefined. */
function blocker(path: string, user: UserInfo, groups: Set<number>, mustExist: boolean): string | undefined {
  const chain: string[] = [];
  for (let d = path; ; d = dirname(d)) {
    chain.unshift(d);
    if (d === dirname(d)) break;
  }
  for (const dir of chain) {
    const st = statSync(dir, { throwIfNoEntry: false });
    // Not there yet: boot makes it 0755 (a working directory must exist, though).
    if (!st) return mustExist && dir === path ? `it does not exist` : undefined;
    if (!st.isDirectory()) return `${dir} is not a directory`;
    if (!canEnter(st, user, groups)) return `${dir} is ${describe(st)}, which ${user.name} may not enter; fix: chmod o+x ${dir}, or move the box elsewhere`;
  }
  return undefined;
}

function canEnter(st: Stats, user: UserInfo, groups: Set<number>): boolean {
  if (st.uid === user.uid) return (st.mode & 0o100) !== 0;
  if (groups.has(st.gid)) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}


