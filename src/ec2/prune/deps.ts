// What `ec2ImagePrune` is given (real clients from the CLI, mocked ones in tests), with the defaults filled in once.
import type { RetryPolicy } from "../../image/targets/ec2/retry.js";
import type { Ec2Sender } from "../../image/targets/ec2/settings.js";
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { retryPolicy } from "../launch-template/deps.js";

/** The Auto Scaling seam (which launch-template versions groups use). */
type AutoScalingSender = Pick<AutoScalingClient, "send">;

/** The injected world of `ec2ImagePrune`. */
export interface PruneDeps {
  ec2: Ec2Sender;
  /** Asked which launch templates the groups launch from: their AMIs are in use. */
  autoscaling: AutoScalingSender;
  /** One line per AMI removed or kept, and per snapshot deleted. */
  progress?: (line: string) => void;
  /** Retries of throttled calls; tests pass tiny delays. */
  retry?: Partial<RetryPolicy>;
  /** Pause between two tries of a snapshot EC2 still holds just after the deregistration; default 2 s. */
  pollMs?: number;
  /** How long one snapshot may stay held before it is reported for deleting by hand; default 2 min. */
  snapshotTimeoutMs?: number;
  /** Stops the lookups; an AMI being removed is finished (its snapshots deleted) before the run stops. */
  signal?: AbortSignal;
}

export interface ResolvedPruneDeps {
  ec2: Ec2Sender;
  autoscaling: AutoScalingSender;
  progress: (line: string) => void;
  retry: RetryPolicy;
  pollMs: number;
  snapshotTimeoutMs: number;
  signal?: AbortSignal;
}

export function resolvePruneDeps(deps: PruneDeps): ResolvedPruneDeps {
  return {
    ec2: deps.ec2,
    autoscaling: deps.autoscaling,
    progress: deps.progress ?? (() => {}),
    retry: retryPolicy(deps.retry),
    pollMs: deps.pollMs ?? 2000,
    snapshotTimeoutMs: deps.snapshotTimeoutMs ?? 120_000,
    signal: deps.signal,
  };
}
