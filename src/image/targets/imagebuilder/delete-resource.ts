// The one way the imagebuilder cleanups delete an Image Builder resource: retried when throttled, quiet when
// it is already gone, and a CleanupFailure naming the ARN and the command to run by hand otherwise.
import { CleanupFailure } from "../../runner.js";
import { describeAwsError, errorName } from "./aws-errors.js";
import { deleteCommand, type ImagebuilderKind } from "./manual.js";
import { retryPolicy } from "./options.js";
import { withRetry } from "./retry.js";
import type { BuildState } from "./state.js";

/** Deletes the `kind` at `arn` with `send` (no abort signal: a cleanup runs also after a cancel). */
export async function deleteResource(state: BuildState, kind: ImagebuilderKind, arn: string, send: () => Promise<unknown>, progress: (message: string) => void): Promise<void> {
  progress(`deleting the ${kind} ${arn}`);
  try {
    await withRetry(send, retryPolicy(state.settings));
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") return;
    throw new CleanupFailure(`could not delete the ${kind} ${arn}: ${describeAwsError(error)}`, [deleteCommand(kind, arn, state.region)], { cause: error });
  }
}
