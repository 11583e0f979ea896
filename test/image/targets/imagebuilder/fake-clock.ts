// A clock whose pauses take no real time: the imagebuilder tests use real-world timing (30 s polls, hours of
// timeout) and still finish in milliseconds.
import type { Clock } from "../../../../src/image/targets/imagebuilder/index.js";

/** A clock that starts at the fixture's build time and jumps forward on each sleep; `slept` lists the pauses. */
export function fakeClock(start = Date.parse("2025-01-14T10:15:00.000Z")): Clock & { slept: number[]; elapsed(): number } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    elapsed: () => now - start,
    async sleep(ms: number, signal?: AbortSignal) {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      now += ms;
    },
  };
}
