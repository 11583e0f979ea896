// An exclusive lock on a file: a kernel flock held by a small child (util-linux `flock`), so a unibox killed
// with SIGKILL releases it with no stale file to judge.
import { spawn } from "node:child_process";
import { RuntimeFailure } from "../errors.js";

/** Waits up to `waitSecs` for the lock on `file`, else fails with `busy`; resolves with the release function. */
export async function acquireFileLock(file: string, waitSecs: number, busy: string): Promise<() => void> {
  // `cat` keeps the lock until our end of its stdin closes: at release, or when this process dies.
  const child = spawn("flock", ["--wait", String(waitSecs), "--conflict-exit-code", "75", file, "sh", "-c", "echo locked; exec cat"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const locked = await new Promise<boolean>((resolve, reject) => {
    child.once("error", (err) => reject(new RuntimeFailure(`cannot take ${file}: ${err.message} (flock is in util-linux)`, { cause: err })));
    child.stdout.once("data", () => resolve(true));
    child.once("exit", () => resolve(false));
  });
  if (!locked) throw new RuntimeFailure(busy);
  // Nothing of the child keeps this process alive; it ends when we do.
  child.unref();
  for (const stream of [child.stdin, child.stdout]) (stream as unknown as { unref?: () => void }).unref?.();
  return () => child.stdin.end();
}
