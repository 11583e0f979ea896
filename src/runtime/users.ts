// Which uid, gid and groups a role's user has, read from /etc/passwd and /etc/group once per command.
import { readFileSync } from "node:fs";
import { RuntimeFailure } from "../errors.js";

export interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

let passwdCache: Map<string, UserInfo> | undefined;
let groupCache: { gid: number; members: string[] }[] | undefined;

function passwd(): Map<string, UserInfo> {
  if (passwdCache) return passwdCache;
  passwdCache = new Map();
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [name, , uid, gid, , home] = line.split(":");
    if (name && uid !== undefined) passwdCache.set(name, { name, uid: Number(uid), gid: Number(gid), home });
  }
  return passwdCache;
}

/** The user, or a failure naming the instances that need it. */
export function lookupUser(name: string, neededBy: string): UserInfo {
  const user = passwd().get(name);
  if (!user) {
    throw new RuntimeFailure(`user "${name}" (for ${neededBy}) does not exist on this machine`, {
      details: ["An image build creates the users its roles name; on a development machine: useradd --system " + name],
    });
  }
  return user;
}

/** Every gid the user has: its primary group and those /etc/group lists it in. */
export function groupsOf(user: UserInfo): Set<number> {
  if (!groupCache) {
    groupCache = [];
    for (const line of readFileSync("/etc/group", "utf8").split("\n")) {
      const [name, , gid, members] = line.split(":");
      if (name && gid !== undefined) groupCache.push({ gid: Number(gid), members: (members ?? "").split(",").filter(Boolean) });
    }
  }
  return new Set([user.gid, ...groupCache.filter((g) => g.members.includes(user.name)).map((g) => g.gid)]);
}

/** Whether this process can switch users (chpst -u, chown). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
