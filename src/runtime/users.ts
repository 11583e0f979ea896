// Which uid/gid a role's user is, read from /etc/passwd once per command.
import { readFileSync } from "node:fs";
import { RuntimeFailure } from "../cli/errors.js";

export interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

let cache: Map<string, UserInfo> | undefined;

function passwd(): Map<string, UserInfo> {
  if (cache) return cache;
  cache = new Map();
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [name, , uid, gid, , home] = line.split(":");
    if (name && uid !== undefined) cache.set(name, { name, uid: Number(uid), gid: Number(gid), home });
  }
  return cache;
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

/** Whether this process can switch users (chpst -u, chown). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
