// The review box `down` and `promote` act on: found by `unibox:box`, then checked to be one unibox launched
// as a review box. The filter alone is not trusted: a production instance may carry a box-like tag.
import type { Instance } from "@aws-sdk/client-ec2";
import { UsageError } from "../errors.js";
import { BOX_TAG, notOurReviewBox, tagMap } from "./box-tags.js";
import { checkBoxName } from "../review/names.js";
import type { ResolvedDeps } from "./deps.js";
import { describeInstances, LIVE_STATES } from "./instances.js";

/** Instances not yet terminated whose `unibox:box` is `name`, whatever else they are. */
export function instancesNamed(deps: ResolvedDeps, name: string): Promise<Instance[]> {
  return describeInstances(
    deps,
    [
      { Name: `tag:${BOX_TAG.box}`, Values: [name] },
      { Name: "instance-state-name", Values: LIVE_STATES },
    ],
    `looking for the review box ${name}`,
  );
}

/**
 * Every live instance named `name`, each one a review box unibox launched; a UsageError (nothing done) when
 * there is none, or when any of them is not ours: `verb` ("terminate", "promote") says what was refused.
 */
export async function findOurBoxes(deps: ResolvedDeps, name: string, verb: string): Promise<Instance[]> {
  checkBoxName(name);
  const found = await instancesNamed(deps, name);
  if (found.length === 0) {
    throw new UsageError(`no review box named ${name} on EC2 (no pending, running or stopped instance tagged ${BOX_TAG.box}=${name})`, {
      details: ["list them with: unibox review ls --target ec2"],
    });
  }
  const refused = found.flatMap((instance) => {
    const why = notOurReviewBox(tagMap(instance.Tags));
    return why ? [`${instance.InstanceId}: ${why}`] : [];
  });
  if (refused.length) {
    throw new UsageError(`refusing to ${verb} ${name}: only a review box unibox launched (${BOX_TAG.mode}=review, ${BOX_TAG.managedBy}=unibox) can be`, {
      details: [...refused, "nothing was changed; act on such an instance with the AWS console or CLI if you mean it"],
    });
  }
  return found;
}
