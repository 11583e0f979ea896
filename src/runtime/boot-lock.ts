// One boot (or down) at a time per prefix: a lock file holding the owner's pid, taken over when stale.
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from "node:fs";
import { RuntimeFailure } from "../cli/errors.js";
import type { BoxPaths } from "./paths.js";
import { isAlive } from "./processes.js";

/** Takes the lock or fails naming the process that holds it; returns the release function. */
export function acquireBootLock(paths: BoxPaths): () => void {
  mkdirSync(paths.runDir, { recursive: true });
  const file = `${paths.runDir}/boot.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(readFileSync(file, "utf8").trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new RuntimeFailure(`another unibox (pid ${owner}) is changing ${paths.prefix}; wait for it, or remove ${file} if it is not unibox`);
      }
      // Left by a boot that was killed: take it over.
      rmSync(file, { force: true });
    }
  }
  throw new RuntimeFailure(`cannot take ${file}`);
}
