// The SDK's waitUntilInstanceRunning behind the narrow seam (typed to take a whole EC2Client, it only calls
// `send`: the one cast lives here), its outcomes turned into errors a user can act on.
import { DescribeInstancesCommand, waitUntilInstanceRunning, type EC2Client, type Instance } from "@aws-sdk/client-ec2";
import { RuntimeFailure, UnhealthyError } from "../errors.js";
import { errorName } from "../image/targets/ec2/aws-error.js";
import { formatDuration } from "../image/targets/ec2/duration.js";
import type { ResolvedDeps } from "./deps.js";

/** Waits until `instanceId` is `running` and returns it as the waiter last saw it (with its addresses). */
export async function waitForInstanceRunning(deps: ResolvedDeps, instanceId: string, timeoutMs: number): Promise<Instance> {
  // Waiter delays are in seconds; maxWaitTime must exceed minDelay, which must not exceed maxDelay.
  const minDelay = Math.min(deps.pollMs, timeoutMs / 2) / 1000;
  try {
    const result = await waitUntilInstanceRunning(
      {
        client: deps.ec2 as EC2Client,
        maxWaitTime: timeoutMs / 1000,
        minDelay,
        maxDelay: Math.max(minDelay, (4 * deps.pollMs) / 1000),
        ...(deps.signal ? { abortSignal: deps.signal } : {}),
      },
      { InstanceIds: [instanceId] },
    );
    const instance = result.reason?.Reservations?.[0]?.Instances?.[0];
    return instance ?? { InstanceId: instanceId };
  } catch (error) {
    if (deps.signal?.aborted) throw deps.signal.reason;
    const seen = await describeState(deps, instanceId);
    if (errorName(error) === "TimeoutError") {
      throw new UnhealthyError(`the instance ${instanceId} was not running within ${formatDuration(timeoutMs)} (it is ${seen.state})`, {
        cause: error,
        details: ["EC2 may be short of capacity for this instance type here: try again, or another --instance-type or subnet"],
      });
    }
    throw new RuntimeFailure(`the instance ${instanceId} ended ${seen.state}${seen.reason ? ` (${seen.reason})` : ""}: expected running`, {
      cause: error,
      details: ["look at its state reason: aws ec2 describe-instances --instance-ids " + instanceId + " --query 'Reservations[].Instances[].StateReason'"],
    });
  }
}

// For the message only: the state and reason EC2 gives now; a failure to ask is not the failure to report.
async function describeState(deps: ResolvedDeps, instanceId: string): Promise<{ state: string; reason?: string }> {
  try {
    const instance = (await deps.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
    return { state: instance?.State?.Name ?? "unknown", reason: instance?.StateReason?.Message };
  } catch {
    return { state: "unknown" };
  }
}
