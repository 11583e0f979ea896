// Terminating instances unibox launched, saying what to terminate by hand when EC2 refuses.
import { TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { errorName, errorText } from "../image/targets/ec2/aws-error.js";
import { deleteCommand } from "../image/targets/ec2/manual.js";
import { NOT_FOUND_AFTER_CREATE, withRetry } from "../image/targets/ec2/retry.js";
import type { ResolvedDeps } from "./deps.js";

/** What a terminate did: the state EC2 reported, or why it failed with the command to run by hand. */
export type TerminateOutcome = { ok: true; state: string } | { ok: false; problem: string; manual: string };

/**
 * Terminates `instanceId` without waiting. `cleanup`: called after a failure or a cancel, so it ignores the
 * caller's signal and retries `InvalidInstanceID.NotFound` (an id RunInstances just returned may not be visible yet).
 */
export async function terminate(deps: ResolvedDeps, instanceId: string, options: { cleanup: boolean }): Promise<TerminateOutcome> {
  const signal = options.cleanup ? undefined : deps.signal;
  try {
    const out = await withRetry(() => deps.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal: signal }), {
      policy: deps.retry,
      signal,
      retryOn: options.cleanup ? [NOT_FOUND_AFTER_CREATE.instance] : [],
    });
    return { ok: true, state: out.TerminatingInstances?.[0]?.CurrentState?.Name ?? "shutting-down" };
  } catch (error) {
    // Unknown after every retry: never launched, or terminated so long ago EC2 forgot it.
    if (errorName(error) === NOT_FOUND_AFTER_CREATE.instance) return { ok: true, state: "terminated" };
    return { ok: false, problem: `could not terminate ${instanceId}: ${errorText(error)}`, manual: deleteCommand("instance", instanceId) };
  }
}
