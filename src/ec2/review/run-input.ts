// What `review up` sends to RunInstances, as pure data: the tags of DESIGN.md §2 plus unibox's own marks,
// instance-metadata tags on (the box reads what it is from them), IMDSv2 required. Checked before anything is created.
import type { _InstanceType, RunInstancesCommandInput, Tag } from "@aws-sdk/client-ec2";
import { UsageError } from "../../errors.js";
import { EC2_TAG_LIMITS } from "../../image/targets/ec2/provenance-tags.js";
import { BOX_TAG, MANAGED_BY_UNIBOX } from "../box-tags.js";
import { checkBoxName } from "../../review/names.js";
import { expiresAt } from "../../review/ttl.js";

export const DEFAULT_REVIEW_INSTANCE_TYPE = "t3.large";

/** What `review up` on EC2 is asked for (ports are the box's, used to reach it). */
export interface Ec2ReviewUpOptions {
  name: string;
  /** The AMI; default the newest sealed unibox AMI of this account. */
  image?: string;
  /** `--ref REPO=REF`: travels as `unibox:ref.<repo>` tags; the box checks them out at boot. */
  refs: Record<string, string>;
  stackRef?: string;
  /** The box expires this long after its launch (`unibox:expires-at`). */
  ttlMs?: number;
  /** The box expires this long after its launch whatever its ttl (`unibox:max-age-at`). */
  maxAgeMs?: number;
  /** Default t3.large. */
  instanceType?: string;
  subnetId?: string;
  securityGroupIds?: string[];
  /** An instance profile's name, or its ARN. */
  iamInstanceProfile?: string;
  keyName?: string;
  /** The box's unibox.status port (default 9100). */
  statusPort?: number;
  /** The entry component's port, for the URL (default 8080). */
  urlPort?: number;
}

// Characters instance-metadata tags allow in keys: a ref key outside them would make the box unable to read it.
const IMDS_KEY = /^[A-Za-z0-9+\-=.,_:@]+$/;

/** The instance's (and its volumes') tags; throws a UsageError when they would break EC2's or IMDS's rules. */
export function reviewTags(options: Ec2ReviewUpOptions, image: string, now: Date): Tag[] {
  checkBoxName(options.name);
  const problems: string[] = [];
  const tags: Tag[] = [
    { Key: "Name", Value: `unibox-review-${options.name}` },
    { Key: BOX_TAG.mode, Value: "review" },
    { Key: BOX_TAG.box, Value: options.name },
    { Key: BOX_TAG.managedBy, Value: MANAGED_BY_UNIBOX },
    { Key: BOX_TAG.image, Value: image },
  ];
  for (const [repo, ref] of Object.entries(options.refs)) {
    const key = `${BOX_TAG.refPrefix}${repo}`;
    if (!repo || !IMDS_KEY.test(repo)) problems.push(`--ref ${repo}=${ref}: a repo name may hold only letters, digits and + - = . , _ : @ (instance-metadata tag keys)`);
    else if (key.length > EC2_TAG_LIMITS.keyLength) problems.push(`--ref ${repo}: the tag key ${key} is longer than EC2's ${EC2_TAG_LIMITS.keyLength} characters`);
    if (!ref) problems.push(`--ref ${repo}=: give a ref (a branch, tag or commit)`);
    else if (ref.length > EC2_TAG_LIMITS.valueLength) problems.push(`--ref ${repo}: the ref is longer than EC2's ${EC2_TAG_LIMITS.valueLength} characters a tag value`);
    tags.push({ Key: key, Value: ref });
  }
  if (options.stackRef !== undefined) {
    if (!options.stackRef || options.stackRef.length > EC2_TAG_LIMITS.valueLength) problems.push(`--stack-ref: expected a branch of 1 to ${EC2_TAG_LIMITS.valueLength} characters`);
    tags.push({ Key: BOX_TAG.stackRef, Value: options.stackRef });
  }
  for (const [ms, flag] of [[options.ttlMs, "--ttl"], [options.maxAgeMs, "--max-age"]] as const) {
    if (ms !== undefined && !(Number.isFinite(ms) && ms > 0)) problems.push(`${flag}: expected a positive duration`);
  }
  const valid = (ms: number | undefined) => (ms !== undefined && Number.isFinite(ms) && ms > 0 ? ms : undefined);
  const ttlMs = valid(options.ttlMs);
  const maxAgeMs = valid(options.maxAgeMs);
  // The ttl counts from the last activity, which on EC2 is the launch; max-age caps it (src/review/ttl.ts).
  const expiry = ttlMs ? expiresAt({ createdAt: now.toISOString(), ttlMs, maxAgeMs }) : undefined;
  if (expiry) tags.push({ Key: BOX_TAG.expiresAt, Value: expiry.toISOString() });
  if (maxAgeMs) tags.push({ Key: BOX_TAG.maxAgeAt, Value: new Date(now.getTime() + maxAgeMs).toISOString() });
  if (tags.length > EC2_TAG_LIMITS.perResource) problems.push(`the box would carry ${tags.length} tags but EC2 allows ${EC2_TAG_LIMITS.perResource}: give fewer --ref`);
  if (problems.length) throw new UsageError(`cannot launch the review box ${options.name}: ${problems[0]}`, { details: problems.slice(1) });
  return tags;
}

/** Idempotent within one `review up` (a retried RunInstances launches nothing twice), new for each launch of a name. */
export function clientToken(name: string, now: Date): string {
  // A token stays bound to its instance long after termination: the launch time keeps a later box of the same name apart.
  // With a name of at most 40 characters it stays within EC2's 64.
  return `unibox-review-${now.getTime().toString(36)}-${name}`.slice(0, 64);
}

/** The RunInstances input of a review box. */
export function reviewRunInput(options: Ec2ReviewUpOptions, image: string, now: Date): RunInstancesCommandInput {
  const tags = reviewTags(options, image, now);
  const profile = options.iamInstanceProfile;
  return {
    ImageId: image,
    InstanceType: (options.instanceType ?? DEFAULT_REVIEW_INSTANCE_TYPE) as _InstanceType,
    MinCount: 1,
    MaxCount: 1,
    ...(options.subnetId ? { SubnetId: options.subnetId } : {}),
    ...(options.securityGroupIds?.length ? { SecurityGroupIds: options.securityGroupIds } : {}),
    ...(profile ? { IamInstanceProfile: profile.startsWith("arn:") ? { Arn: profile } : { Name: profile } } : {}),
    ...(options.keyName ? { KeyName: options.keyName } : {}),
    MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled", InstanceMetadataTags: "enabled", HttpPutResponseHopLimit: 1 },
    TagSpecifications: [
      { ResourceType: "instance", Tags: tags },
      { ResourceType: "volume", Tags: tags },
    ],
    ClientToken: clientToken(options.name, now),
  };
}
