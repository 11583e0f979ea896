// Making runsv processes exit (`sv exit`): each stops its instance through control/t, then waits for
// its svlogd, which waits for every writer of the log pipe to go. A process that escaped the
// instance's group but kept the pipe would hold them all forever: it goes once the instance is down.
import { RuntimeFailure } from "../errors.js";
import { pollUntil } from "../shared/poll.js";
import { stopLogPipeHolders } from "./log-pipe.js";
import { supervisedDirs } from "./runsvdir.js";
import { sv } from "./sv.js";

/** `sv exit` of `dirs`; fails naming `why` when their runsv have not all gone within `timeoutMs`. */
export async function exitRunsv(dirs: string[], timeoutMs: number, why: string): Promise<void> {
  if (dirs.length === 0) return;
  await sv("exit", dirs);
  const gone = () => supervisedDirs(dirs).size === 0;
  // A second is what runsv needs once the app is down; after it, the log pipe is what holds it.
  if (await pollUntil(gone, Math.min(timeoutMs, 3000), 50)) return;
  await stopLogPipeHolders([...supervisedDirs(dirs)]);
  if (!(await pollUntil(gone, timeoutMs, 50))) {
    throw new RuntimeFailure(`runsv of ${[...supervisedDirs(dirs)].map((d) => d.split("/").pop()).join(", ")} did not exit within ${timeoutMs / 1000} s; ${why}`);
  }
}
