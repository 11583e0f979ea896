// The tags of an EC2 review box beyond DESIGN.md §2's, and the guard every destructive call passes: only an
// instance unibox itself launched as a review box may be terminated or imaged.
import type { Tag } from "@aws-sdk/client-ec2";
import { TAG } from "../identity/tags.js";

export const BOX_TAG = {
  ...TAG,
  /** `unibox`: the mark that `review up` launched the instance (a review-tagged instance without it is someone else's). */
  managedBy: "unibox:managed-by",
  /** The AMI the box was launched from. */
  image: "unibox:image",
  /** `--stack-ref`: the stack definition's branch. */
  stackRef: "unibox:stack-ref",
  /** ISO time: created + max-age, the hard end of the box whatever its activity. */
  maxAgeAt: "unibox:max-age-at",
} as const;

export const MANAGED_BY_UNIBOX = "unibox";
/** EC2 Auto Scaling tags its members with this: a review box never is one. */
const ASG_TAG = "aws:autoscaling:groupName";

/** A tag list as a map; a key such as `__proto__` is a key like any other. */
export function tagMap(tags: Tag[] | undefined): Record<string, string> {
  const map: Record<string, string> = Object.create(null);
  for (const t of tags ?? []) if (t.Key !== undefined) map[t.Key] = t.Value ?? "";
  return map;
}

/** `unibox:ref.<repo>` tags as `{ repo: ref }`. */
export function refsOf(tags: Record<string, string>): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) if (key.startsWith(TAG.refPrefix)) refs[key.slice(TAG.refPrefix.length)] = value;
  return refs;
}

/**
 * Why the instance with `tags` must not be terminated or imaged as a review box, or undefined when it may:
 * it must say `unibox:mode=review` and `unibox:managed-by=unibox`, and belong to no Auto Scaling group.
 */
export function notOurReviewBox(tags: Record<string, string>): string | undefined {
  const mode = tags[TAG.mode];
  if (mode !== "review") return mode === undefined ? `it has no ${TAG.mode} tag` : `it is tagged ${TAG.mode}=${mode}, not review`;
  if (tags[BOX_TAG.managedBy] !== MANAGED_BY_UNIBOX) return `it is tagged ${TAG.mode}=review but not ${BOX_TAG.managedBy}=${MANAGED_BY_UNIBOX}: unibox did not launch it`;
  if (tags[ASG_TAG] !== undefined) return `it belongs to the Auto Scaling group ${tags[ASG_TAG]}`;
  return undefined;
}
