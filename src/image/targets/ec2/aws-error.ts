// How an AWS error is told apart (by its `name`, the EC2 error code) and turned into a message a user can act on.
import { RuntimeFailure } from "../../../errors.js";

/** The EC2 error code of `error` (`InvalidInstanceID.NotFound`), or "Error" for anything else. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error === "object" && error !== null && "name" in error ? String(error.name) : "Error";
}

/** `Name: message`, as printed in every failure that wraps an AWS error. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message && error.message !== error.name ? `${error.name}: ${error.message}` : error.name;
}

// The likely fix for the errors a build meets most; anything else is printed as AWS said it.
function hint(name: string, action: string): string | undefined {
  if (/^(UnauthorizedOperation|AccessDenied|AccessDeniedException|AuthFailure)$/.test(name)) return `the AWS identity running unibox needs ${action}`;
  if (/^(RequestLimitExceeded|Throttling|ThrottlingException|RequestThrottled)$/.test(name)) return "EC2 kept throttling after every retry: run the build again later";
  if (name === "InsufficientInstanceCapacity") return "EC2 has no capacity for this instance type here: choose another instance type or subnet";
  if (name === "CredentialsProviderError") return "set AWS credentials (AWS_PROFILE, or an instance or CI role)";
  return undefined;
}

/** A RuntimeFailure for an EC2 call that failed: what was being done, what AWS said, and the likely fix. */
export function awsFailure(doing: string, action: string, error: unknown): RuntimeFailure {
  const fix = hint(errorName(error), action);
  return new RuntimeFailure(`${doing} failed (${errorText(error)})${fix ? `; ${fix}` : ""}`, { cause: error });
}
