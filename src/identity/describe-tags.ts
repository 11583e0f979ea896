// Fallback when instance-metadata tags are off: EC2 DescribeTags on the instance's own id (DESIGN.md §2).
import { IdentityError } from "../cli/errors.js";
import { pollRounds, type PollOptions } from "./poll.js";
import { ENABLE_IMDS_TAGS_HINT, missingRequiredTags, type Tags } from "./tags.js";

/** The one method used: a narrow seam over Pick<EC2Client, "send">. */
export interface Ec2Sender {
  send(command: any): Promise<any>;
}

export interface DescribeTagsOptions extends PollOptions {
  instanceId: string;
  region?: string;
  /** Default: `new EC2Client({ region })`, created on first use. */
  client?: Ec2Sender;
}

/**
 * The instance's tags through DescribeTags, polling up to `waitMs` until `missingRequiredTags` is empty;
 * returns what it has when the wait ends (the caller fails closed). AWS errors become IdentityError (exit 3).
 */
export async function describeInstanceTags(options: DescribeTagsOptions): Promise<Record<string, string>> {
  // Loaded here, not at the top: the EC2 client costs ~0.3–0.6 s to load, and the boot path skips it when IMDS answers.
  const { EC2Client, DescribeTagsCommand } = await import("@aws-sdk/client-ec2");
  const client: Ec2Sender = options.client ?? new EC2Client({ region: options.region });
  const filters = [
    { Name: "resource-id", Values: [options.instanceId] },
    { Name: "resource-type", Values: ["instance"] },
  ];

  return pollRounds(options, async () => {
    const tags: Tags = {};
    let nextToken: string | undefined;
    do {
      let page: { Tags?: { Key?: string; Value?: string }[]; NextToken?: string };
      try {
        page = await client.send(new DescribeTagsCommand({ Filters: filters, NextToken: nextToken }));
      } catch (error) {
        throw describeTagsError(error, options.instanceId);
      }
      for (const tag of page.Tags ?? []) {
        if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken !== undefined);
    return { done: missingRequiredTags(tags).length === 0, value: tags };
  });
}

function describeTagsError(error: unknown, instanceId: string): IdentityError {
  const err = error instanceof Error ? error : new Error(String(error));
  const what = `${err.name}: ${err.message}`;
  const fix = "or enable instance-metadata tags so no API call is needed";
  let message: string;
  if (/^(UnauthorizedOperation|AccessDenied|AccessDeniedException)$/.test(err.name)) {
    message = `cannot read this instance's tags: DescribeTags on ${instanceId} was denied (${what}); the instance role needs ec2:DescribeTags, ${fix}`;
  } else if (err.name === "CredentialsProviderError" || /credential/i.test(err.message)) {
    message = `cannot read this instance's tags: no AWS credentials for DescribeTags (${what}); give the instance a role with ec2:DescribeTags, ${fix}`;
  } else if (/region/i.test(err.message) && /missing/i.test(err.message)) {
    message = `cannot read this instance's tags: DescribeTags has no region (${what}); set AWS_REGION, ${fix}`;
  } else {
    message = `cannot read this instance's tags: DescribeTags on ${instanceId} failed (${what}); the instance role needs ec2:DescribeTags, ${fix}`;
  }
  return new IdentityError(message, { cause: error, details: ENABLE_IMDS_TAGS_HINT });
}
