// What every EC2 box command is given (the CLI passes a real client and fetch, tests mocked ones), with the
// defaults filled in once so the functions read one settled value.
import { DEFAULT_TIMING, type Ec2Sender, type Ec2Timing } from "../image/targets/ec2/settings.js";
import type { RetryPolicy } from "../image/targets/ec2/retry.js";

export type { Ec2Sender } from "../image/targets/ec2/settings.js";

/** The injected world of `review up/ls/down/reap`, `fleet ls` and `promote` on EC2. */
export interface Ec2BoxDeps {
  /** A narrow seam: an EC2Client in the CLI, a mocked one in tests. */
  ec2: Ec2Sender;
  /** Asks a box's `GET /health`; default the global fetch. */
  fetch?: typeof fetch;
  /** The clock of expiry tags, promotion stamps and the client token. */
  now?: () => Date;
  /** Cancels waits and calls (Ctrl-C); what was created is still removed. */
  signal?: AbortSignal;
  progress?: (line: string) => void;
  /** Pause between two polls (instance state, /health, AMI state); default 5 s. */
  pollMs?: number;
  /** The bound of the command's long wait: `review up` running + healthy (15 min), `promote` the AMI (60 min). */
  timeoutMs?: number;
  /** One GET /health may take this long before the box counts as unreachable; default 3 s. */
  healthTimeoutMs?: number;
  /** Retries of throttled or not-yet-visible EC2 calls; tests pass tiny delays. */
  retry?: Partial<RetryPolicy>;
}

export interface ResolvedDeps {
  ec2: Ec2Sender;
  fetch: typeof fetch;
  now: () => Date;
  signal?: AbortSignal;
  progress: (line: string) => void;
  pollMs: number;
  timeoutMs: number;
  healthTimeoutMs: number;
  retry: RetryPolicy;
  /** For the image target's cleanup helpers (delete an AMI and its snapshots). */
  timing: Ec2Timing;
}

export const DEFAULT_POLL_MS = 5000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 3000;

/** Fills in the defaults; `timeoutMs` defaults to what the calling command waits for (commands that wait for nothing keep 10 min). */
export function resolveDeps(deps: Ec2BoxDeps, defaultTimeoutMs = 10 * 60_000): ResolvedDeps {
  const pollMs = deps.pollMs ?? DEFAULT_POLL_MS;
  const timeoutMs = deps.timeoutMs ?? defaultTimeoutMs;
  const retry = { ...DEFAULT_TIMING.retry, ...deps.retry };
  return {
    ec2: deps.ec2,
    fetch: deps.fetch ?? globalThis.fetch,
    now: deps.now ?? (() => new Date()),
    signal: deps.signal,
    progress: deps.progress ?? (() => {}),
    pollMs,
    timeoutMs,
    healthTimeoutMs: deps.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
    retry,
    timing: { ...DEFAULT_TIMING, pollMs, cleanupTimeoutMs: Math.min(DEFAULT_TIMING.cleanupTimeoutMs, timeoutMs), retry },
  };
}
