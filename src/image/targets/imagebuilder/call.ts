// How a step's run calls AWS: with the build's abort signal, throttling retried, and a failure that names the call.
import type { StepContext } from "../../runner.js";
import { awsFailure, errorName } from "./aws-errors.js";
import { retryPolicy } from "./options.js";
import { withRetry } from "./retry.js";
import type { BuildState } from "./state.js";

/** Runs `send(abortSignal)` as `operation`; retries throttling (and `alsoRetry`); wraps other failures in a RuntimeFailure. */
export async function callAws<T>(
  state: BuildState,
  ctx: StepContext,
  operation: string,
  send: (options: { abortSignal: AbortSignal }) => Promise<T>,
  extra: { alsoRetry?: readonly string[]; hint?: string } = {},
): Promise<T> {
  try {
    return await withRetry(() => send({ abortSignal: ctx.signal }), {
      ...retryPolicy(state.settings),
      signal: ctx.signal,
      alsoRetry: extra.alsoRetry,
      onRetry: (error, attempt, delayMs) => ctx.progress(`${operation}: ${errorName(error)}, asking again in ${delayMs} ms (retry ${attempt})`),
    });
  } catch (error) {
    // A cancel is reported as such by the runner; wrapping the abort would hide it.
    if (ctx.signal.aborted) throw error;
    throw awsFailure(operation, error, extra.hint);
  }
}
