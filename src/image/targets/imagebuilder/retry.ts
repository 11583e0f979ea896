// Retries an AWS call that was throttled (or met a transient 503), with growing pauses; anything else fails at once.
import { errorName } from "./aws-errors.js";
import { sleep } from "./sleep.js";

/** Error names that mean "ask again later", across Image Builder and EC2. */
export const THROTTLING_ERRORS: readonly string[] = [
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "CallRateLimitExceededException",
  "RequestLimitExceeded",
  "ServiceUnavailableException",
  "ServiceUnavailable",
];

/** How long to keep asking, how to pause, and what else counts as "ask again". */
export interface RetryOptions {
  /** One pause per retry: `[1000, 2000]` asks at most three times. */
  delaysMs: number[];
  /** How to pause (default: really). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Cancels the pauses (and stops retrying) when aborted. */
  signal?: AbortSignal;
  /** More error names worth retrying for this call (eventual consistency right after a create). */
  alsoRetry?: readonly string[];
  /** Told about each retry, to show why a step is slow. */
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

/**
 * Runs `call`, retrying it after each pause of `delaysMs` while it fails with a retryable error name.
 * `call` builds a new SDK command each time: the SDK adds its middleware to a command on every send.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const name = errorName(error);
      const retryable = THROTTLING_ERRORS.includes(name) || (options.alsoRetry ?? []).includes(name);
      const delay = options.delaysMs[attempt];
      if (!retryable || delay === undefined || options.signal?.aborted) throw error;
      options.onRetry?.(error, attempt + 1, delay);
      await (options.sleep ?? sleep)(delay, options.signal);
    }
  }
}
