// What a promoted AMI says about itself: the box, instance and parent AMI it came from, when its health was
// verified, and its repos: the parent's commits, and for the box's `--ref`s the commits the box says it runs (its
// /health `repos`, from the tree its tags made at boot), or `ref:<ref>` from a box that does not say.
// Checked against EC2's tag limits before CreateImage.
import type { Image, Tag } from "@aws-sdk/client-ec2";
import { RuntimeFailure } from "../../errors.js";
import { BUILD_ID_TAG, BUILD_STARTED_TAG } from "../../image/targets/ec2/names.js";
import { EC2_TAG_LIMITS } from "../../image/targets/ec2/provenance-tags.js";
import { tagMap } from "../box-tags.js";

export const PROMOTION_TAG = {
  fromBox: "unibox:promoted-from-box",
  fromInstance: "unibox:promoted-from-instance",
  parentImage: "unibox:parent-image",
  healthVerifiedAt: "unibox:health-verified-at",
  created: "unibox:created",
} as const;

const REPO_PREFIX = "unibox:repo:";
/** Tags of the parent that a `--ref` does not change, copied as they are. */
const INHERITED = [/^unibox:runtime:/, /^unibox:base$/, /^unibox:unibox-version$/];

export interface PromotionFacts {
  box: string;
  instanceId: string;
  parent: Image;
  /** The box's `unibox:ref.*` tags, repo -> ref. */
  refs: Record<string, string>;
  /** The commits the box says it runs (its /health), when it says: they replace `ref:<ref>`. */
  running?: Record<string, string>;
  healthVerifiedAt: string;
  now: Date;
}

/** `20250602T104107Z`: a time with only characters an AMI name allows. */
export function compactTime(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

/** The promoted AMI's name. */
export function promotedImageName(box: string, now: Date): string {
  return `unibox-promoted-${box}-${compactTime(now)}`;
}

/** The janitor's id for this promotion (`unibox:build-id`): an AMI a killed promote left unsealed is found and removed. */
export function promotionId(box: string, now: Date): string {
  return `promote-${box}-${compactTime(now)}`;
}

/** The repos of the promoted image: the parent's commits, each `--ref` of the box as `ref:<ref>`. */
export function promotedRepos(parent: Image, refs: Record<string, string>): Record<string, string> {
  const repos: Record<string, string> = {};
  for (const [key, value] of Object.entries(tagMap(parent.Tags))) if (key.startsWith(REPO_PREFIX)) repos[key.slice(REPO_PREFIX.length)] = value;
  for (const [repo, ref] of Object.entries(refs)) repos[repo] = `ref:${ref}`;
  return repos;
}

/** The tags CreateImage gives the AMI and its snapshots (the sealed mark comes last, on its own); throws when they do not fit. */
export function promotionTags(facts: PromotionFacts): { tags: Tag[]; repos: Record<string, string> } {
  const parentTags = tagMap(facts.parent.Tags);
  const repos = { ...promotedRepos(facts.parent, facts.refs), ...pick(facts.running ?? {}, Object.keys(facts.refs)) };
  const created = facts.now.toISOString();
  const tags: Tag[] = [
    { Key: "Name", Value: promotedImageName(facts.box, facts.now) },
    { Key: BUILD_ID_TAG, Value: promotionId(facts.box, facts.now) },
    { Key: BUILD_STARTED_TAG, Value: created },
    { Key: PROMOTION_TAG.created, Value: created },
    { Key: PROMOTION_TAG.fromBox, Value: facts.box },
    { Key: PROMOTION_TAG.fromInstance, Value: facts.instanceId },
    { Key: PROMOTION_TAG.parentImage, Value: facts.parent.ImageId ?? "" },
    { Key: PROMOTION_TAG.healthVerifiedAt, Value: facts.healthVerifiedAt },
  ];
  for (const [key, value] of Object.entries(parentTags)) if (INHERITED.some((p) => p.test(key))) tags.push({ Key: key, Value: value });
  for (const [repo, value] of Object.entries(repos)) tags.push({ Key: `${REPO_PREFIX}${repo}`, Value: value });

  const problems: string[] = [];
  // One more for the sealed mark.
  if (tags.length + 1 > EC2_TAG_LIMITS.perResource) problems.push(`the AMI would carry ${tags.length + 1} tags but EC2 allows ${EC2_TAG_LIMITS.perResource}`);
  for (const { Key = "", Value = "" } of tags) {
    if (Key.length > EC2_TAG_LIMITS.keyLength) problems.push(`tag key ${Key} is longer than EC2's ${EC2_TAG_LIMITS.keyLength} characters`);
    if (Value.length > EC2_TAG_LIMITS.valueLength) problems.push(`tag ${Key} would be ${Value.length} characters but EC2 allows ${EC2_TAG_LIMITS.valueLength} a value: use a shorter ref`);
  }
  if (problems.length) throw new RuntimeFailure(`the promoted image's provenance does not fit in EC2 tags; nothing was created`, { details: problems });
  return { tags, repos };
}

// Only the repos the box was asked to run at a ref: the others are the parent's, as baked.
function pick(running: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(running).filter(([name]) => names.includes(name)));
}
