// `review down NAME` on EC2: terminates the box, but only an instance unibox launched as a review box.
import { RuntimeFailure } from "../../errors.js";
import type { ReviewBox } from "../../review/types.js";
import { resolveDeps, type Ec2BoxDeps } from "../deps.js";
import { findOurBoxes } from "../find-box.js";
import { DEFAULT_URL_PORT, toReviewBox } from "../review-box.js";
import { terminate } from "../terminate.js";

/**
 * Terminates review box `name` (every live instance of that name, should there be several) and reports it as
 * EC2 left it (`shutting-down`). UsageError, nothing terminated, when any instance of that name is not a
 * review box unibox launched; RuntimeFailure with the command to run by hand when EC2 refuses.
 */
export async function ec2ReviewDown(deps: Ec2BoxDeps, name: string): Promise<ReviewBox[]> {
  const d = resolveDeps(deps);
  const instances = await findOurBoxes(d, name, "terminate");
  const boxes: ReviewBox[] = [];
  const problems: string[] = [];
  for (const instance of instances) {
    d.progress(`terminating ${instance.InstanceId} (review box ${name})`);
    const outcome = await terminate(d, instance.InstanceId!, { cleanup: false });
    if (outcome.ok) boxes.push({ ...toReviewBox(instance, null, DEFAULT_URL_PORT), state: outcome.state });
    else problems.push(outcome.problem, `by hand: ${outcome.manual}`);
  }
  if (problems.length) {
    throw new RuntimeFailure(`review down ${name}: ${problems[0]}`, {
      details: [...problems.slice(1), ...boxes.map((b) => `${b.instanceId} is ${b.state}`)],
    });
  }
  return boxes;
}
