// One boot, down or restart at a time per prefix. The lock is a kernel flock held by a small child
// (util-linux `flock`), so a unibox killed with SIGKILL releases it with no stale file to judge.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { RuntimeFailure } from "../errors.js";
import type { BoxPaths } from "./paths.js";

const WAIT_SECS = 5;

/** Waits a little for the lock (a killed unibox's holder takes a moment to go), else fails; resolves with the release function. */
export async function acquireBootLock(paths: BoxPaths): Promise<() => void> {
  mkdirSync(paths.runDir, { recursive: true });
  const file = `${paths.runDir}/boot.lock`;
  // `cat` keeps the lock until our end of its stdin closes: at release, or when this process dies.
  const child = spawn("flock", ["--wait", String(WAIT_SECS), "--conflict-exit-code", "75", file, "sh", "-c", "echo locked; exec cat"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const locked = await new Promise<boolean>((resolve, reject) => {
    child.once("error", (err) => reject(new RuntimeFailure(`cannot take ${file}: ${err.message} (flock is in util-linux)`, { cause: err })));
    child.stdout.once("data", () => resolve(true));
    child.once("exit", () => resolve(false));
  });
  if (!locked) throw new RuntimeFailure(`another unibox is changing ${paths.prefix} (it has held ${file} for ${WAIT_SECS} s); try again once it is done`);
  // Nothing of the child keeps this process alive; it ends when we do.
  child.unref();
  for (const stream of [child.stdin, child.stdout]) (stream as unknown as { unref?: () => void }).unref?.();
  return () => child.stdin.end();
}
