// The one retry helper of the EC2 target: throttling always, and the eventual-consistency errors a caller
// names (an id EC2 just returned is not yet visible to the next call). Errors are matched by `error.name`.
import { errorName } from "./aws-error.js";
import { sleep } from "./sleep.js";

/** How often and how long to retry; tests pass tiny delays. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The pause before the first retry; it doubles each time, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
}

/** Error codes EC2 (and the SDK) use when a caller asks too often. */
export const THROTTLING_ERRORS: readonly string[] = [
  "RequestLimitExceeded",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "BandwidthLimitExceeded",
  "SlowDown",
  "PriorRequestNotComplete",
];

/** Eventual consistency: the id a create just returned, not yet known to the next call. */
export const NOT_FOUND_AFTER_CREATE = {
  instance: "InvalidInstanceID.NotFound",
  image: "InvalidAMIID.NotFound",
  group: "InvalidGroup.NotFound",
  groupId: "InvalidGroupId.NotFound",
  snapshot: "InvalidSnapshot.NotFound",
} as const;

export interface RetryOptions {
  policy: RetryPolicy;
  /** Cancels the pauses between tries (the call itself gets it through `abortSignal`). */
  signal?: AbortSignal;
  /** Error names retried besides throttling. */
  retryOn?: readonly string[];
}

/** The pause before retry number `retry` (1-based): exponential, capped, with jitter so parallel builds spread out. */
export function backoffMs(policy: RetryPolicy, retry: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Calls `call` until it succeeds, fails with an error not retried, or has used every attempt (the last error is thrown). */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const name = errorName(error);
      const retried = THROTTLING_ERRORS.includes(name) || (options.retryOn ?? []).includes(name);
      if (!retried || attempt >= options.policy.attempts || options.signal?.aborted) throw error;
      await sleep(backoffMs(options.policy, attempt), options.signal);
    }
  }
}
