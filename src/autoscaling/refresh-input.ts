// The StartInstanceRefresh request of a rollout, as data: the group, a pinned template version, the preferences.
import type { AutoScalingGroup, StartInstanceRefreshCommandInput } from "@aws-sdk/client-auto-scaling";
import { UsageError } from "../errors.js";

/** Pause at each checkpoint when none is given: long enough to look at dashboards, short of AWS's default hour. */
export const DEFAULT_CHECKPOINT_DELAY_SECONDS = 300;

export interface RefreshPlan {
  asg: string;
  /** The template id and its version as a number in a string ("7"): AutoRollback refuses `$Default`/`$Latest`. */
  template: { id: string; version: string };
  /** The group's mixed instances policy, kept as it is but for the template version; absent for a plain template. */
  group: Pick<AutoScalingGroup, "MixedInstancesPolicy">;
  mixed: boolean;
  minHealthy: number;
  checkpoints?: number[];
  checkpointDelaySeconds?: number;
}

/** Refuses options AWS would refuse, before anything is asked of it. */
export function checkRefreshOptions(opts: { minHealthy: number; checkpoints?: number[]; checkpointDelaySeconds?: number }): void {
  if (!Number.isInteger(opts.minHealthy) || opts.minHealthy < 0 || opts.minHealthy > 100) {
    throw new UsageError(`the minimum healthy percentage must be a whole number from 0 to 100, not ${opts.minHealthy}`);
  }
  const checkpoints = opts.checkpoints ?? [];
  const ascending = checkpoints.every((p, i) => Number.isInteger(p) && p >= 1 && p <= 100 && (i === 0 || p > checkpoints[i - 1]));
  if (!ascending || (checkpoints.length > 0 && checkpoints[checkpoints.length - 1] !== 100)) {
    throw new UsageError(`checkpoints must be whole percentages in ascending order ending at 100 (e.g. 20,50,100), not ${checkpoints.join(",")}`, {
      details: ["the last one must be 100 so that the rollout replaces every instance"],
    });
  }
  const delay = opts.checkpointDelaySeconds;
  if (delay !== undefined && (!Number.isInteger(delay) || delay < 0 || delay > 172_800)) {
    throw new UsageError(`the checkpoint delay must be a whole number of seconds from 0 to 172800, not ${delay}`);
  }
}

/**
 * The request: a rolling replacement to `template`, skipping instances already on it, rolling back by itself if
 * it fails. Instance warm-up is left to the group's DefaultInstanceWarmup (or health-check grace period), as AWS advises.
 */
export function refreshInput(plan: RefreshPlan): StartInstanceRefreshCommandInput {
  const spec = { LaunchTemplateId: plan.template.id, Version: plan.template.version };
  const policy = plan.group.MixedInstancesPolicy;
  // A mixed group keeps its instance types and purchase options: only the template version changes.
  const desired =
    plan.mixed && policy?.LaunchTemplate
      ? { MixedInstancesPolicy: { ...policy, LaunchTemplate: { ...policy.LaunchTemplate, LaunchTemplateSpecification: spec } } }
      : { LaunchTemplate: spec };
  const checkpoints = plan.checkpoints?.length ? plan.checkpoints : undefined;
  return {
    AutoScalingGroupName: plan.asg,
    Strategy: "Rolling",
    DesiredConfiguration: desired,
    Preferences: {
      MinHealthyPercentage: plan.minHealthy,
      SkipMatching: true,
      AutoRollback: true,
      ...(checkpoints ? { CheckpointPercentages: checkpoints, CheckpointDelay: plan.checkpointDelaySeconds ?? DEFAULT_CHECKPOINT_DELAY_SECONDS } : {}),
    },
  };
}
