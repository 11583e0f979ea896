// Stopping an Image Builder build that is not wanted any more (cancel, timeout, failure) and finding the AMIs
// it made, so build-image's cleanup can delete the image and those AMIs once it has stopped.
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { CancelImageCreationCommand, GetImageCommand, type Image } from "@aws-sdk/client-imagebuilder";
import { pollRounds } from "../../../shared/poll.js";
import type { CleanupContext } from "../../runner.js";
import { describeAwsError, errorName } from "./aws-errors.js";
import { duration } from "./duration.js";
import { retryPolicy } from "./options.js";
import type { Leftovers } from "./remove-ami.js";
import { withRetry } from "./retry.js";
import type { BuildState } from "./state.js";

/** Where Image Builder stops: nothing changes after these. */
const TERMINAL = new Set(["AVAILABLE", "FAILED", "CANCELLED", "DELETED"]);

/** Asks Image Builder to stop the build; one that already stopped answers with an error, which is fine. */
export async function cancelImage(state: BuildState, progress: (message: string) => void): Promise<void> {
  progress(`cancelling the image build ${state.imageArn}`);
  try {
    // At most 36 characters, as every Image Builder client token.
    const clientToken = `${state.names.tokens.image.slice(0, 29)}-cancel`;
    const cancel = () => new CancelImageCreationCommand({ imageBuildVersionArn: state.imageArn, clientToken });
    await withRetry(() => state.settings.imagebuilder.send(cancel()), retryPolicy(state.settings));
    state.cancelRequested = true;
  } catch (error) {
    progress(`CancelImageCreation: ${describeAwsError(error)}; the cleanup waits for the build to stop`);
  }
}

/**
 * Waits (bounded) for a failed or cancelled image to stop, cancelling it if it still runs, and returns the AMIs
 * it made: those Image Builder names, and any tagged with this build's id (a build can fail after registering one).
 */
export async function settleAndFindAmis(state: BuildState, arn: string, ctx: CleanupContext, leftovers: Leftovers): Promise<string[]> {
  const { timing, imagebuilder, clock } = state.settings;
  const retry = retryPolicy(state.settings);
  let image: Image | undefined;
  try {
    const poll = { timeoutMs: timing.settleTimeoutMs, intervalMs: timing.pollMs, sleep: (ms: number) => clock.sleep(ms), now: clock.now };
    const { done, value } = await pollRounds<Image | undefined>(poll, async () => {
      const got = await withRetry(() => imagebuilder.send(new GetImageCommand({ imageBuildVersionArn: arn })), retry);
      const status = got.image?.state?.status ?? "UNKNOWN";
      const stopped = TERMINAL.has(status);
      if (!stopped && !state.cancelRequested) await cancelImage(state, ctx.progress);
      if (!stopped) ctx.progress(`waiting for the image to stop before deleting it: ${status}`);
      return { done: stopped, value: got.image };
    });
    image = value;
    if (!done) {
      leftovers.problems.push(`the image ${arn} was still ${value?.state?.status ?? "running"} after ${duration(timing.settleTimeoutMs)}`);
      leftovers.manual.push(`aws imagebuilder cancel-image-creation --image-build-version-arn ${arn} --region ${state.region} (then delete it once it is CANCELLED)`);
    }
  } catch (error) {
    // Not a leftover by itself: the AMIs are also found by tag below, and DeleteImage says if the image stays.
    if (errorName(error) !== "ResourceNotFoundException") ctx.progress(`could not read the image ${arn}: ${describeAwsError(error)}`);
  }

  const amis = new Set<string>();
  for (const ami of image?.outputResources?.amis ?? []) if (ami.image && (!ami.region || ami.region === state.region)) amis.add(ami.image);
  try {
    const byBuild = () => new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "tag:unibox:build-id", Values: [state.input.buildId] }] });
    const tagged = await withRetry(() => state.settings.ec2.send(byBuild()), retry);
    for (const found of tagged.Images ?? []) if (found.ImageId) amis.add(found.ImageId);
  } catch (error) {
    leftovers.problems.push(`could not look for AMIs tagged unibox:build-id=${state.input.buildId}: ${describeAwsError(error)}`);
    leftovers.manual.push(`aws ec2 describe-images --owners self --filters Name=tag:unibox:build-id,Values=${state.input.buildId} --region ${state.region} (deregister each, delete its snapshots)`);
  }
  return [...amis];
}
