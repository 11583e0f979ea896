// Waiting for instances to become healthy, bounded, and given up at once when another command takes
// the box down or boots it anew meanwhile (the waiter would otherwise wait out its whole deadline).
import { existsSync } from "node:fs";
import { RuntimeFailure } from "../errors.js";
import { pollUntil } from "../shared/poll.js";
import { openBox } from "./box.js";
import { instancesHealth, type InstanceHealth } from "./health.js";
import type { BoxPaths } from "./paths.js";

/**
 * Polls until every instance is healthy, a one-shot has failed (runsv does not run it again: waiting on
 * would only wait out the deadline), or the deadline passes; returns the last reading. With
 * `generation` (the boot's), fails as soon as a `down` file appears or the saved plan is not that boot's.
 */
export async function waitHealthy(paths: BoxPaths, names: string[], timeoutMs: number, generation?: string): Promise<InstanceHealth[]> {
  let last: InstanceHealth[] = [];
  await pollUntil(async () => {
    if (generation !== undefined) {
      const downed = names.find((n) => existsSync(`${paths.sv(n)}/down`));
      const saved = openBox(paths.prefix).saved;
      if (downed || saved?.generation !== generation) {
        throw new RuntimeFailure(
          downed ? `stopped waiting: ${downed} was taken down (unibox down) while boot waited for it` : `stopped waiting: the box under ${paths.prefix} was reset or booted anew while boot waited`,
        );
      }
    }
    last = await instancesHealth(paths, names);
    return last.every((i) => i.healthy) || last.some((i) => i.state === "failed");
  }, timeoutMs, 200);
  return last;
}
