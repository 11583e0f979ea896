// The review boxes unibox launched on EC2, found by their tags.
import type { Instance } from "@aws-sdk/client-ec2";
import { BOX_TAG, MANAGED_BY_UNIBOX, notOurReviewBox, tagMap } from "../box-tags.js";
import type { ResolvedDeps } from "../deps.js";
import { describeInstances, LIVE_STATES } from "../instances.js";

/** The DescribeInstances filters of unibox's review boxes, not yet terminated. */
export const REVIEW_FILTERS = [
  { Name: `tag:${BOX_TAG.mode}`, Values: ["review"] },
  { Name: `tag:${BOX_TAG.managedBy}`, Values: [MANAGED_BY_UNIBOX] },
  { Name: "instance-state-name", Values: LIVE_STATES },
];

/** Every live review box unibox launched; the tags are checked again here, the filters are not trusted alone. */
export async function listReviewInstances(d: ResolvedDeps): Promise<Instance[]> {
  const found = await describeInstances(d, REVIEW_FILTERS, "listing the review boxes");
  return found.filter((i) => notOurReviewBox(tagMap(i.Tags)) === undefined);
}
