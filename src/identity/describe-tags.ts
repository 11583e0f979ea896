// EC2 DescribeTags on the instance's own id: the source when instance-metadata tags are off (DESIGN.md §2).
// Only types come from @aws-sdk/client-ec2 at the top: the module costs ~0.6 s to load, and the boot
// path loads it only when DescribeTags is actually tried.
import type { EC2Client } from "@aws-sdk/client-ec2";
import { IdentityError } from "../errors.js";
import { emptyTags, ENABLE_IMDS_TAGS_HINT, type Tags } from "./tags.js";

/** The one method used. At run time it must be an EC2Client: the SDK's paginator checks `instanceof`. */
export type Ec2Sender = Pick<EC2Client, "send">;

/** The client DescribeTags uses when none is injected: the SDK's default credential chain, in `region`. */
export async function defaultEc2Client(region: string): Promise<Ec2Sender> {
  const { EC2Client } = await import("@aws-sdk/client-ec2");
  // Bounded requests: a poll round must not outlive the tag wait by much on a network that drops packets.
  return new EC2Client({ region, requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 } });
}

/**
 * Every tag of `instanceId`, all pages read; a failure on any page is an IdentityError (exit 3) that says
 * what to fix, and what earlier pages gave is dropped: a partial list could lack a required key.
 */
export async function describeTagsOnce(options: { instanceId: string; client: Ec2Sender }): Promise<Tags> {
  const { paginateDescribeTags } = await import("@aws-sdk/client-ec2");
  const filters = [
    { Name: "resource-id", Values: [options.instanceId] },
    { Name: "resource-type", Values: ["instance"] },
  ];
  const tags = emptyTags();
  try {
    for await (const page of paginateDescribeTags({ client: options.client as EC2Client }, { Filters: filters })) {
      for (const tag of page.Tags ?? []) {
        if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
      }
    }
  } catch (error) {
    throw new IdentityError(`cannot read this instance's tags: ${describeTagsFailure(error, options.instanceId)}`, {
      cause: error,
      details: ENABLE_IMDS_TAGS_HINT,
    });
  }
  return tags;
}

/** Why DescribeTags failed and what fixes it, from the error's name. */
export function describeTagsFailure(error: unknown, instanceId: string): string {
  const err = error instanceof Error ? error : new Error(String(error));
  const what = `${err.name}: ${err.message}`;
  const fix = "or enable instance-metadata tags so no API call is needed";
  if (/^(UnauthorizedOperation|AccessDenied|AccessDeniedException)$/.test(err.name)) {
    return `DescribeTags on ${instanceId} was denied (${what}); the instance role needs ec2:DescribeTags, ${fix}`;
  }
  if (err.name === "CredentialsProviderError" || /credential/i.test(err.message)) {
    return `no AWS credentials for DescribeTags (${what}); give the instance a role with ec2:DescribeTags, ${fix}`;
  }
  if (/^(RequestLimitExceeded|Throttling|ThrottlingException)$/.test(err.name)) {
    return `DescribeTags on ${instanceId} was throttled (${what}); it is asked again until the tag wait ends`;
  }
  if (/region/i.test(err.message) && /missing/i.test(err.message)) {
    return `DescribeTags has no region (${what}); set AWS_REGION, ${fix}`;
  }
  return `DescribeTags on ${instanceId} failed (${what}); the instance role needs ec2:DescribeTags, ${fix}`;
}
