// A failure that also says what its cleanup did: removed, or what to delete by hand.
import { RuntimeFailure, UniboxError } from "../errors.js";
import { errorText } from "../image/targets/ec2/aws-error.js";

/** `error` with `lines` added to its details; anything not already a UniboxError (a cancel, a bug) becomes a RuntimeFailure of `doing`. */
export function withCleanupReport(error: unknown, doing: string, lines: string[]): UniboxError {
  if (error instanceof UniboxError) {
    error.details.push(...lines);
    return error;
  }
  return new RuntimeFailure(`${doing} failed: ${errorText(error)}`, { cause: error, details: lines });
}
