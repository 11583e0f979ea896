// What the launch-template functions are given: the EC2 seam, and how to retry a throttled call.
import type { RetryPolicy } from "../../image/targets/ec2/retry.js";
import { DEFAULT_TIMING, type Ec2Sender } from "../../image/targets/ec2/settings.js";

export type { Ec2Sender } from "../../image/targets/ec2/settings.js";

/** The injected world of `addLaunchTemplateVersion` and `rollbackLaunchTemplate`. */
export interface LaunchTemplateDeps {
  /** A narrow seam: an EC2Client in the CLI, a mocked one in tests. */
  ec2: Ec2Sender;
  /** Retries of throttled or not-yet-visible EC2 calls; tests pass tiny delays. */
  retry?: Partial<RetryPolicy>;
  /** Cancels the calls (Ctrl-C); a version already made is still removed if it cannot become the default. */
  signal?: AbortSignal;
}

/** The house retry policy with the caller's overrides. */
export function retryPolicy(retry: Partial<RetryPolicy> | undefined): RetryPolicy {
  return { ...DEFAULT_TIMING.retry, ...retry };
}

/** How one EC2 call is made: retried by `policy`, cancelled by `signal`. Shaped to pass straight to `withRetry`. */
export interface CallOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
}
