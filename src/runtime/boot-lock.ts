// One boot, down or restart at a time per prefix (a kernel flock: see shared/file-lock.ts).
import { mkdirSync } from "node:fs";
import { acquireFileLock } from "../shared/file-lock.js";
import type { BoxPaths } from "./paths.js";

const WAIT_SECS = 5;

/** Waits a little for the lock (a killed unibox's holder takes a moment to go), else fails; resolves with the release function. */
export async function acquireBootLock(paths: BoxPaths): Promise<() => void> {
  mkdirSync(paths.runDir, { recursive: true });
  const file = `${paths.runDir}/boot.lock`;
  return acquireFileLock(file, WAIT_SECS, `another unibox is changing ${paths.prefix} (it has held ${file} for ${WAIT_SECS} s); try again once it is done`);
}
