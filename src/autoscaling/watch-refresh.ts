// Watches one instance refresh until AWS is done with it, printing a line whenever its progress changes.
// Neither a timeout nor Ctrl-C cancels the refresh: stopping a rolling replacement halfway leaves a group
// of mixed versions, which is worse than letting AWS finish it (or roll it back by itself, as it was asked to).
// The error says how to cancel or roll back by hand.
import { DescribeInstanceRefreshesCommand, type InstanceRefresh } from "@aws-sdk/client-auto-scaling";
import { RuntimeFailure, UnhealthyError } from "../errors.js";
import { errorText } from "../image/targets/ec2/aws-error.js";
import { formatDuration } from "../image/targets/ec2/duration.js";
import { withRetry } from "../image/targets/ec2/retry.js";
import { sleep } from "../image/targets/ec2/sleep.js";
import { pollRounds } from "../shared/poll.js";
import type { ResolvedRolloutDeps } from "./deps.js";
import { isTerminal, refreshCommands } from "./refresh-outcome.js";

/** One progress line of `refresh` (without the elapsed time): what changed since the last one. */
export function describeProgress(refresh: InstanceRefresh): string {
  const rollingBack = refresh.Status === "RollbackInProgress" && refresh.RollbackDetails;
  const pct = rollingBack ? refresh.RollbackDetails?.PercentageCompleteOnRollback : refresh.PercentageComplete;
  const left = rollingBack ? refresh.RollbackDetails?.InstancesToUpdateOnRollback : refresh.InstancesToUpdate;
  const parts = [refresh.Status ?? "unknown"];
  if (pct !== undefined) parts.push(`${pct}%${rollingBack ? " rolled back" : ""}`);
  if (left !== undefined) parts.push(`${left} instance${left === 1 ? "" : "s"} to update`);
  return `${parts.join(", ")}${refresh.StatusReason ? ` (${refresh.StatusReason})` : ""}`;
}

/** Polls DescribeInstanceRefreshes until `refreshId` reaches a terminal status and returns it. */
export async function watchRefresh(deps: ResolvedRolloutDeps, asg: string, refreshId: string): Promise<InstanceRefresh> {
  const { autoscaling, signal } = deps;
  const commands = refreshCommands(asg, refreshId);
  const handOver = [`it goes on in AWS; watch it: ${commands.describe}`, `stop it and go back to the previous version: ${commands.rollback}`, `stop it where it is: ${commands.cancel}`];
  const start = deps.now().getTime();
  let last = "";
  let latest: InstanceRefresh = { InstanceRefreshId: refreshId, Status: "Pending" };

  let result: { done: boolean };
  try {
    result = await pollRounds(
      { timeoutMs: deps.timeoutMs, intervalMs: deps.pollMs, sleep: (ms) => sleep(ms, signal), now: () => deps.now().getTime() },
      async () => {
        const out = await withRetry(
          () => autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: asg, InstanceRefreshIds: [refreshId] }), { abortSignal: signal }),
          { policy: deps.retry, signal },
        );
        latest = out.InstanceRefreshes?.find((r) => r.InstanceRefreshId === refreshId) ?? latest;
        const line = describeProgress(latest);
        if (line !== last) deps.progress(`${asg}: refresh ${refreshId} ${line} [${formatDuration(deps.now().getTime() - start)}]`);
        last = line;
        return { done: isTerminal(latest.Status), value: undefined };
      },
    );
  } catch (error) {
    if (signal?.aborted) {
      throw new RuntimeFailure(`stopped watching the instance refresh ${refreshId} of ${asg} (${last || "not yet started"})`, { cause: error, details: handOver });
    }
    throw new RuntimeFailure(`watching the instance refresh ${refreshId} of ${asg} failed (${errorText(error)})`, { cause: error, details: handOver });
  }
  if (!result.done) {
    throw new UnhealthyError(`the instance refresh ${refreshId} of ${asg} was not done within ${formatDuration(deps.timeoutMs)} (${last})`, { details: handOver });
  }
  return latest;
}
