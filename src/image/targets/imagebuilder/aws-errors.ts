// AWS failures turned into what a user reads: which call failed, the service's own error name and text, the likely fix.
import { RuntimeFailure } from "../../../errors.js";

/** The SDK's error name (`ResourceInUseException`), the way errors are matched. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error === "object" && error !== null && "name" in error ? String((error as { name: unknown }).name) : "";
}

/** `Name: message (request id …)`: enough for a support ticket. */
export function describeAwsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const requestId = (error as { $metadata?: { requestId?: string } }).$metadata?.requestId;
  return `${error.name}: ${error.message}${requestId ? ` (request id ${requestId})` : ""}`;
}

// What usually fixes each error, by name; the service's message says the rest.
const HINTS: Record<string, string> = {
  AccessDeniedException: "the credentials need the imagebuilder:* and ec2:* permissions this target uses",
  ForbiddenException: "the credentials need the imagebuilder:* and ec2:* permissions this target uses",
  UnauthorizedOperation: "the credentials need the ec2 permissions this target uses (DescribeImages, CreateTags, DeregisterImage, DeleteSnapshot)",
  ServiceQuotaExceededException: "delete unused Image Builder resources or ask for a higher quota",
  ResourceAlreadyExistsException: "a resource with this build's name exists: run the build again (it gets a new build id)",
  InvalidParameterValueException: "check the imagebuilder target's options (instance profile, subnet, security groups, instance type)",
  ThrottlingException: "the account is being throttled: retry later",
  ServiceUnavailableException: "Image Builder is unavailable: retry later",
};

/** A RuntimeFailure naming the operation and the AWS error, with the original as `cause`. */
export function awsFailure(operation: string, error: unknown, hint?: string): RuntimeFailure {
  const fix = hint ?? HINTS[errorName(error)];
  return new RuntimeFailure(`${operation} failed: ${describeAwsError(error)}${fix ? `; ${fix}` : ""}`, { cause: error });
}
