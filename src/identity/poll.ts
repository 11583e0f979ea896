// Polling for tags with a bound: autoscaling-group tags can arrive after boot, so both EC2 sources wait.

/** How long and how often a source asks again; `sleep`/`now` are injectable for tests. */
export interface PollOptions {
  /** How long to keep asking for the required tags. */
  waitMs: number;
  /** Default 1000. */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Runs `round` until it reports done or `waitMs` has passed; returns the last round's value. */
export async function pollRounds<T>(options: PollOptions, round: () => Promise<{ done: boolean; value: T }>): Promise<T> {
  const pollMs = options.pollMs ?? 1000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const start = now();
  for (;;) {
    const { done, value } = await round();
    const left = start + options.waitMs - now();
    if (done || left <= 0) return value;
    await sleep(Math.min(pollMs, left));
  }
}
