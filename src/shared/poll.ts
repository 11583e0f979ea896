// The one way unibox waits for something: ask, sleep, ask again, with a bound (and, if asked, a growing interval).

/** How long and how often to ask; `sleep`/`now` are injectable so tests need not wait. */
export interface PollOptions {
  /** Stop asking once this much time has passed since the first ask. */
  timeoutMs: number;
  /** The first pause between two asks (default 100). */
  intervalMs?: number;
  /** Each pause is the previous one times this (default 1: a fixed interval). */
  backoff?: number;
  /** The longest pause, however far the backoff has grown (default: no bound but the deadline). */
  maxIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `round` until it reports done or the time is up; returns whether it finished and its last value.
 * The round always runs at least once, and once more at the deadline rather than just after a pause.
 */
export async function pollRounds<T>(options: PollOptions, round: () => Promise<{ done: boolean; value: T }> | { done: boolean; value: T }): Promise<{ done: boolean; value: T }> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  let pause = options.intervalMs ?? 100;
  for (;;) {
    const result = await round();
    const left = deadline - now();
    if (result.done || left <= 0) return result;
    await sleep(Math.min(pause, left));
    pause = Math.min(pause * (options.backoff ?? 1), options.maxIntervalMs ?? Infinity);
  }
}

/** Polls `check` every `intervalMs` until it returns true or `timeoutMs` passes; returns the last result. */
export async function pollUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const { done } = await pollRounds({ timeoutMs, intervalMs }, async () => ({ done: await check(), value: undefined }));
  return done;
}
