// `review reap` on EC2: terminates every review box unibox launched whose time is up (`unibox:expires-at`,
// or `unibox:max-age-at`). Each instance's tags are checked again before it is touched: a filter is a
// query, not a guarantee, and a production instance must never go.
import type { Instance } from "@aws-sdk/client-ec2";
import { RuntimeFailure } from "../../errors.js";
import type { ReviewBox } from "../../review/types.js";
import { BOX_TAG, notOurReviewBox, tagMap } from "../box-tags.js";
import { resolveDeps, type Ec2BoxDeps } from "../deps.js";
import { describeInstances } from "../instances.js";
import { DEFAULT_URL_PORT, toReviewBox } from "../review-box.js";
import { terminate } from "../terminate.js";
import { REVIEW_FILTERS } from "./list.js";

export interface Ec2ReapOptions {
  /** List what would be reaped (in `reaped`), terminate nothing. */
  dryRun: boolean;
}

export interface Ec2ReapReport {
  /** Terminated (dry run: would be), with the state EC2 left them in. */
  reaped: ReviewBox[];
  /** Review boxes whose time is not up, or that have no expiry. */
  kept: ReviewBox[];
}

/** The moment the box's time is up, or undefined when it has none (a tag that is no time counts as none). */
export function expiryOf(instance: Instance): number | undefined {
  const tags = tagMap(instance.Tags);
  const times = [tags[BOX_TAG.expiresAt], tags[BOX_TAG.maxAgeAt]].map((t) => (t ? Date.parse(t) : NaN)).filter((t) => !Number.isNaN(t));
  return times.length ? Math.min(...times) : undefined;
}

/** Reaps expired review boxes; a RuntimeFailure after trying every one when some could not be terminated. Health is not asked. */
export async function ec2ReviewReap(deps: Ec2BoxDeps, options: Ec2ReapOptions): Promise<Ec2ReapReport> {
  const d = resolveDeps(deps);
  const now = d.now().getTime();
  const instances = await describeInstances(d, REVIEW_FILTERS, "listing the review boxes");
  const report: Ec2ReapReport = { reaped: [], kept: [] };
  const problems: string[] = [];
  for (const instance of instances) {
    const why = notOurReviewBox(tagMap(instance.Tags));
    if (why) {
      // Not ours whatever the filters said: neither reaped nor reported as a review box.
      d.progress(`skipping ${instance.InstanceId}: ${why}`);
      continue;
    }
    const box = toReviewBox(instance, null, DEFAULT_URL_PORT);
    const expiry = expiryOf(instance);
    if (expiry === undefined || expiry > now) {
      report.kept.push(box);
      continue;
    }
    if (options.dryRun) {
      report.reaped.push(box);
      continue;
    }
    d.progress(`terminating ${instance.InstanceId} (review box ${box.name}, expired ${new Date(expiry).toISOString()})`);
    const outcome = await terminate(d, instance.InstanceId!, { cleanup: false });
    if (outcome.ok) report.reaped.push({ ...box, state: outcome.state });
    else problems.push(`${outcome.problem}; by hand: ${outcome.manual}`);
  }
  if (problems.length) {
    throw new RuntimeFailure(`review reap: ${problems.length} expired ${problems.length === 1 ? "box" : "boxes"} could not be terminated`, {
      details: [...problems, ...report.reaped.map((b) => `reaped ${b.name} (${b.instanceId})`)],
    });
  }
  return report;
}
