// What `rollout` is given (the CLI passes real clients, tests mocked ones), with the defaults filled in once.
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { RetryPolicy } from "../image/targets/ec2/retry.js";
import type { Ec2Sender } from "../image/targets/ec2/settings.js";
import { retryPolicy } from "../ec2/launch-template/deps.js";

/** The only Auto Scaling method unibox uses: tests inject a mocked client, the CLI a real one. */
export type AutoScalingSender = Pick<AutoScalingClient, "send">;

/** The injected world of `rollout`. */
export interface RolloutDeps {
  autoscaling: AutoScalingSender;
  ec2: Ec2Sender;
  /** One line per change of the refresh (status, percentage, instances left). */
  progress?: (line: string) => void;
  /** Pause between two DescribeInstanceRefreshes; default 15 s. */
  pollMs?: number;
  /** How long to watch the refresh; default 2 h. The refresh itself goes on in AWS after that. */
  timeoutMs?: number;
  /** Stops the watching (Ctrl-C); the refresh itself goes on in AWS. */
  signal?: AbortSignal;
  /** The clock of the deadline and of the elapsed time in progress lines. */
  now?: () => Date;
  /** Retries of throttled calls; tests pass tiny delays. */
  retry?: Partial<RetryPolicy>;
}

export interface ResolvedRolloutDeps {
  autoscaling: AutoScalingSender;
  ec2: Ec2Sender;
  progress: (line: string) => void;
  pollMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
  now: () => Date;
  retry: RetryPolicy;
}

export const DEFAULT_ROLLOUT_POLL_MS = 15_000;
export const DEFAULT_ROLLOUT_TIMEOUT_MS = 2 * 3600_000;

export function resolveRolloutDeps(deps: RolloutDeps): ResolvedRolloutDeps {
  return {
    autoscaling: deps.autoscaling,
    ec2: deps.ec2,
    progress: deps.progress ?? (() => {}),
    pollMs: deps.pollMs ?? DEFAULT_ROLLOUT_POLL_MS,
    timeoutMs: deps.timeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS,
    signal: deps.signal,
    now: deps.now ?? (() => new Date()),
    retry: retryPolicy(deps.retry),
  };
}
