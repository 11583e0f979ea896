// `unibox rollout --asg NAME`: an instance refresh of an Auto Scaling group to one pinned launch-template version,
// rolling back by itself if it fails, watched until AWS is done with it.
import { DescribeInstanceRefreshesCommand, StartInstanceRefreshCommand } from "@aws-sdk/client-auto-scaling";
import { RuntimeFailure } from "../errors.js";
import { awsFailure, errorName } from "../image/targets/ec2/aws-error.js";
import { withRetry } from "../image/targets/ec2/retry.js";
import { resolveVersion } from "../ec2/launch-template/versions.js";
import { resolveRolloutDeps, type ResolvedRolloutDeps, type RolloutDeps } from "./deps.js";
import { describeGroup, groupTemplate } from "./group.js";
import { isTerminal, refreshCommands, refreshFailure } from "./refresh-outcome.js";
import { checkRefreshOptions, refreshInput } from "./refresh-input.js";
import { watchRefresh } from "./watch-refresh.js";
import { instancesToReplace } from "./would-replace.js";

/** The SDK names the error InstanceRefreshInProgressFault; the wire code is InstanceRefreshInProgress. */
const IN_PROGRESS = ["InstanceRefreshInProgressFault", "InstanceRefreshInProgress"];
/** Another change of the group is being applied: worth a retry. */
const CONTENTION = ["ResourceContentionFault", "ResourceContention"];

export interface RolloutOptions {
  /** The Auto Scaling group's name. */
  asg: string;
  /** Percentage of the desired capacity that stays in service and healthy (the CLI's default: 90). */
  minHealthy: number;
  /** Percentages at which the refresh pauses, ascending and ending at 100 (e.g. [20, 50, 100]); none: no pauses. */
  checkpoints?: number[];
  /** The pause at each checkpoint, in seconds; default 300. */
  checkpointDelaySeconds?: number;
  /** Only say which instances would be replaced; start nothing. */
  dryRun: boolean;
  /** The version of the group's launch template to roll out: a number, `$Default` or `$Latest`; default `$Default`. Always sent as its number. */
  version?: string;
}

export interface RolloutResult {
  asg: string;
  launchTemplate: { id: string; name: string; version: string };
  /** The AMI the version launches. */
  imageId?: string;
  refreshId?: string;
  /** The refresh's final status (`Successful`), or `dry-run`. */
  status: string;
  percentageComplete?: number;
  /** Dry run: the instances the refresh would replace (the others already run the version). */
  replaced?: string[];
}

/**
 * Replaces the group's instances with ones launched from a pinned version of its launch template. Resolves when the
 * refresh is Successful; a refresh that fails, is rolled back or is cancelled is a RuntimeFailure (exit 1), one still
 * running at the deadline an UnhealthyError (exit 4). Neither the deadline nor `signal` cancels the refresh itself.
 */
export async function rollout(deps: RolloutDeps, opts: RolloutOptions): Promise<RolloutResult> {
  checkRefreshOptions(opts);
  const d = resolveRolloutDeps(deps);
  const call = { policy: d.retry, signal: d.signal };
  const group = await describeGroup(d.autoscaling, opts.asg, call);
  const { spec, mixed } = groupTemplate(group);
  // AutoRollback refuses `$Default`/`$Latest`, and a pinned number is what the group should say afterwards anyway.
  const target = await resolveVersion(d.ec2, { id: spec.LaunchTemplateId, name: spec.LaunchTemplateName }, opts.version ?? "$Default", call);
  const launchTemplate = { id: target.launchTemplateId, name: target.launchTemplateName, version: String(target.version) };
  const base = { asg: opts.asg, launchTemplate, ...(target.imageId ? { imageId: target.imageId } : {}) };
  d.progress(`${opts.asg}: launch template ${launchTemplate.name} (${launchTemplate.id}) version ${launchTemplate.version}${target.imageId ? `, AMI ${target.imageId}` : ""}`);

  if (opts.dryRun) {
    const replaced = await instancesToReplace(d, group, { id: target.launchTemplateId, name: target.launchTemplateName, version: target.version });
    return { ...base, status: "dry-run", replaced };
  }

  const input = refreshInput({
    asg: opts.asg,
    template: { id: launchTemplate.id, version: launchTemplate.version },
    group,
    mixed,
    minHealthy: opts.minHealthy,
    checkpoints: opts.checkpoints,
    checkpointDelaySeconds: opts.checkpointDelaySeconds,
  });
  const refreshId = await startRefresh(d, opts.asg, input);
  d.progress(`${opts.asg}: started instance refresh ${refreshId}`);
  const final = await watchRefresh(d, opts.asg, refreshId);
  const failure = refreshFailure(opts.asg, final);
  if (failure) throw failure;
  return { ...base, refreshId, status: final.Status ?? "Successful", ...(final.PercentageComplete !== undefined ? { percentageComplete: final.PercentageComplete } : {}) };
}

async function startRefresh(d: ResolvedRolloutDeps, asg: string, input: ReturnType<typeof refreshInput>): Promise<string> {
  try {
    const out = await withRetry(() => d.autoscaling.send(new StartInstanceRefreshCommand(input), { abortSignal: d.signal }), {
      policy: d.retry,
      signal: d.signal,
      retryOn: CONTENTION,
    });
    if (!out.InstanceRefreshId) throw new Error("Auto Scaling returned no instance refresh id");
    return out.InstanceRefreshId;
  } catch (error) {
    if (d.signal?.aborted) {
      throw new RuntimeFailure(`cancelled while starting the instance refresh of ${asg}`, {
        cause: error,
        details: [`check whether it started: ${refreshCommands(asg).describe}`],
      });
    }
    if (IN_PROGRESS.includes(errorName(error))) throw await alreadyRunning(d, asg, error);
    throw awsFailure(`starting an instance refresh of ${asg}`, "autoscaling:StartInstanceRefresh", error);
  }
}

// A group takes one refresh at a time: name the one running, and how to wait for it or stop it.
async function alreadyRunning(d: ResolvedRolloutDeps, asg: string, cause: unknown): Promise<RuntimeFailure> {
  let running = "";
  try {
    const out = await d.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: asg, MaxRecords: 10 }), { abortSignal: d.signal });
    const active = out.InstanceRefreshes?.find((r) => !isTerminal(r.Status));
    if (active) {
      const started = active.StartTime ? `, started ${active.StartTime.toISOString()}` : "";
      running = ` (${active.InstanceRefreshId}: ${active.Status}${active.PercentageComplete !== undefined ? `, ${active.PercentageComplete}%` : ""}${started})`;
    }
  } catch {
    // For the message only: not knowing which refresh runs is not the failure to report.
  }
  const commands = refreshCommands(asg);
  return new RuntimeFailure(`an instance refresh of ${asg} is already in progress${running}: nothing was started`, {
    cause,
    details: [`wait for it: ${commands.describe}`, `or cancel it: ${commands.cancel}`, "then run the rollout again"],
  });
}
