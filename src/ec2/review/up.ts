// `review up` on EC2: one instance from a sealed unibox AMI, tagged so that it boots as review box <name>,
// waited for until running and its /health answers 200. Anything failing after the launch terminates it:
// a box is either up and healthy, or gone.
import { RunInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import { RuntimeFailure, UnhealthyError, UsageError } from "../../errors.js";
import { awsFailure } from "../../image/targets/ec2/aws-error.js";
import { formatDuration } from "../../image/targets/ec2/duration.js";
import { withRetry } from "../../image/targets/ec2/retry.js";
import type { ReviewBox } from "../../review/types.js";
import { BOX_TAG } from "../box-tags.js";
import { resolveDeps, type Ec2BoxDeps, type ResolvedDeps } from "../deps.js";
import { withCleanupReport } from "../failure.js";
import { instancesNamed } from "../find-box.js";
import { DEFAULT_STATUS_PORT, healthUrl, waitForHealth } from "../health.js";
import { waitForInstanceRunning } from "../instance-waiter.js";
import { describeInstances, instanceAddress, stateOf } from "../instances.js";
import { DEFAULT_URL_PORT, toReviewBox } from "../review-box.js";
import { terminate } from "../terminate.js";
import { newestSealedImage } from "./newest-image.js";
import { reviewRunInput, reviewTags, type Ec2ReviewUpOptions } from "./run-input.js";

/** Running and healthy within this, from the launch (boot, checkouts of --ref, every service's start). */
export const DEFAULT_UP_TIMEOUT_MS = 15 * 60_000;

/** Launches review box `options.name`; returns it once healthy. UsageError (nothing created) when the name is taken. */
export async function ec2ReviewUp(deps: Ec2BoxDeps, options: Ec2ReviewUpOptions): Promise<ReviewBox> {
  const d = resolveDeps(deps, DEFAULT_UP_TIMEOUT_MS);
  const now = d.now();
  // Bad input is refused before any call: the image's id only goes into a tag value, checked again below.
  reviewTags(options, options.image ?? "", now);
  const taken = await instancesNamed(d, options.name);
  if (taken.length) {
    throw new UsageError(`a box named ${options.name} already exists: ${taken.map((i) => `${i.InstanceId} (${stateOf(i)})`).join(", ")}`, {
      details: [`take it down first (unibox review down ${options.name}), or choose another --name`],
    });
  }
  const image = options.image ?? (await newestSealedImage(d));
  const input = reviewRunInput(options, image, now);
  d.progress(`launching review box ${options.name}: ${input.InstanceType} from ${image}`);

  const instanceId = await launch(d, input, options.name);
  d.progress(`${instanceId} launched; waiting for it to run`);
  try {
    const deadline = Date.now() + d.timeoutMs;
    const instance = await waitForInstanceRunning(d, instanceId, d.timeoutMs);
    const address = instanceAddress(instance);
    if (!address) throw new RuntimeFailure(`the instance ${instanceId} is running but has no IP address to reach it on`);
    const url = healthUrl(address, options.statusPort ?? DEFAULT_STATUS_PORT);
    d.progress(`${instanceId} running at ${address}; waiting for ${url} to answer 200`);
    const left = Math.max(0, deadline - Date.now());
    const health = await waitForHealth(d, url, left);
    if (!health.done) {
      throw new UnhealthyError(`review box ${options.name} (${instanceId}) was not healthy within ${formatDuration(d.timeoutMs)} of its launch: ${url} last said ${health.value.detail}`, {
        details: [
          "its boot log: aws ec2 get-console-output --latest --instance-id " + instanceId,
          "if /health cannot be reached at all, let this machine reach the status port through the box's security group (--security-group)",
        ],
      });
    }
    return toReviewBox(instance, true, options.urlPort ?? DEFAULT_URL_PORT);
  } catch (error) {
    const outcome = await terminate(d, instanceId, { cleanup: true });
    throw withCleanupReport(
      error,
      `review up ${options.name}`,
      outcome.ok ? [`${instanceId} was terminated: nothing is left of the box`] : [outcome.problem, `terminate it by hand: ${outcome.manual}`],
    );
  }
}

// RunInstances; when it fails, whatever the client token may still have launched (a lost response) is terminated.
async function launch(d: ResolvedDeps, input: ReturnType<typeof reviewRunInput>, name: string): Promise<string> {
  try {
    const out = await withRetry(() => d.ec2.send(new RunInstancesCommand(input), { abortSignal: d.signal }), { policy: d.retry, signal: d.signal });
    const id = out.Instances?.[0]?.InstanceId;
    if (id) return id;
    throw new RuntimeFailure("RunInstances answered without an instance");
  } catch (error) {
    const failure = error instanceof RuntimeFailure ? error : awsFailure(`launching the review box ${name}`, "ec2:RunInstances and ec2:CreateTags", error);
    throw withCleanupReport(failure, `review up ${name}`, await removeLaunched(d, input.ClientToken!, name));
  }
}

// Finds instances launched with `token` and terminates them; lines for the user when something may be left.
async function removeLaunched(d: ResolvedDeps, token: string, name: string): Promise<string[]> {
  let found: Instance[];
  try {
    found = await describeInstances({ ...d, signal: undefined }, [{ Name: "client-token", Values: [token] }], `looking for what launching ${name} may have left`);
  } catch (error) {
    return [
      `could not check whether the launch left an instance: ${error instanceof Error ? error.message : String(error)}`,
      `look by hand: aws ec2 describe-instances --filters Name=tag:${BOX_TAG.box},Values=${name} --query 'Reservations[].Instances[].[InstanceId,State.Name]'`,
    ];
  }
  const lines: string[] = [];
  for (const instance of found.filter((i) => i.InstanceId && !["shutting-down", "terminated"].includes(stateOf(i)))) {
    const outcome = await terminate(d, instance.InstanceId!, { cleanup: true });
    lines.push(outcome.ok ? `${instance.InstanceId} was launched all the same and is now terminated` : `${outcome.problem}; terminate it by hand: ${outcome.manual}`);
  }
  return lines;
}
