// Step 5: Image Builder builds the image (launch, run the component, validate, snapshot, distribute); this step
// starts it and polls until AVAILABLE, FAILED or CANCELLED. A failed, cancelled or timed-out build is cancelled
// and deleted with every AMI it made; a successful one leaves only its AMI.
import { CreateImageCommand, DeleteImageCommand, GetImageCommand, type Image } from "@aws-sdk/client-imagebuilder";
import { RuntimeFailure } from "../../../../errors.js";
import { pollRounds } from "../../../../shared/poll.js";
import { CleanupFailure, type Step, type StepContext } from "../../../runner.js";
import { describeAwsError, errorName } from "../aws-errors.js";
import { callAws } from "../call.js";
import { duration } from "../duration.js";
import { cancelImage, settleAndFindAmis } from "../stop-image.js";
import { deleteCommand } from "../manual.js";
import { removeAmi, type Leftovers } from "../remove-ami.js";
import { retryPolicy } from "../options.js";
import { withRetry } from "../retry.js";
import type { BuildState } from "../state.js";

/** Starts the image build and waits for it; cleanup deletes the Image Builder image (and, on failure, its AMIs). */
export const buildImage: Step<BuildState> = {
  name: "build-image",
  title: "build the image with Image Builder",
  async run(state, ctx) {
    const { imagebuilder } = state.settings;
    const created = await callAws(state, ctx, "CreateImage", (options) =>
      imagebuilder.send(
        new CreateImageCommand({
          imageRecipeArn: state.recipeArn,
          infrastructureConfigurationArn: state.infrastructureArn,
          distributionConfigurationArn: state.distributionArn,
          // The component's validate phase checks the image during the build; a test stage would launch a second instance for nothing.
          imageTestsConfiguration: { imageTestsEnabled: false },
          tags: state.tags,
          clientToken: state.names.tokens.image,
        }),
        options,
      ),
    );
    if (!created.imageBuildVersionArn) throw new RuntimeFailure(`CreateImage answered without an imageBuildVersionArn (request id ${created.requestId ?? "unknown"})`);
    state.imageArn = created.imageBuildVersionArn;
    ctx.progress(`image ${state.imageArn}`);
    try {
      state.amiId = await waitForImage(state, ctx);
    } catch (error) {
      // Ctrl-C: stop the build instance now rather than let it run to the end unwatched.
      if (ctx.signal.aborted && !state.cancelRequested) await cancelImage(state, ctx.progress);
      throw error;
    }
  },
  async cleanup(state, ctx) {
    const arn = state.imageArn;
    if (!arn) return;
    const leftovers: Leftovers = { problems: [], manual: [] };
    const amis = ctx.succeeded ? [] : await settleAndFindAmis(state, arn, ctx, leftovers);

    // On success too: DeleteImage removes only Image Builder's record of the build, never the AMI, and a kept
    // record may hold the recipe and configurations this build deletes next (ResourceDependencyException).
    ctx.progress(`deleting the Image Builder image ${arn}${ctx.succeeded ? " (its AMI stays)" : ""}`);
    try {
      await withRetry(() => state.settings.imagebuilder.send(new DeleteImageCommand({ imageBuildVersionArn: arn })), retryPolicy(state.settings));
    } catch (error) {
      if (errorName(error) !== "ResourceNotFoundException") {
        leftovers.problems.push(`could not delete the image ${arn}: ${describeAwsError(error)}`);
        leftovers.manual.push(deleteCommand("image", arn, state.region));
      }
    }
    for (const ami of amis) await removeAmi(state.settings.ec2, ami, state.region, retryPolicy(state.settings), leftovers, ctx.progress);

    if (leftovers.problems.length) throw new CleanupFailure(leftovers.problems.join("; "), leftovers.manual);
    state.imageArn = undefined;
    if (!ctx.succeeded) state.amiId = undefined;
  },
};

// Polls GetImage until a terminal status, reporting each change; returns the AMI of an AVAILABLE image.
async function waitForImage(state: BuildState, ctx: StepContext): Promise<string> {
  const { timing, clock } = state.settings;
  const started = clock.now();
  const { done, value: image } = await pollRounds<Image | undefined>(
    { timeoutMs: timing.buildTimeoutMs, intervalMs: timing.pollMs, sleep: (ms) => clock.sleep(ms, ctx.signal), now: clock.now },
    async () => {
      const got = await callAws(state, ctx, "GetImage", (options) => state.settings.imagebuilder.send(new GetImageCommand({ imageBuildVersionArn: state.imageArn }), options));
      const status = got.image?.state?.status ?? "UNKNOWN";
      if (status !== state.imageStatus) {
        state.imageStatus = status;
        ctx.progress(`image ${status} after ${duration(clock.now() - started)}`);
      }
      if (status === "FAILED" || status === "CANCELLED" || status === "DELETED") throw imageFailure(state, got.image);
      return { done: status === "AVAILABLE", value: got.image };
    },
  );
  if (!done) {
    await cancelImage(state, ctx.progress);
    throw new RuntimeFailure(
      `Image Builder did not finish the image within ${duration(timing.buildTimeoutMs)}: expected AVAILABLE, it was still ${state.imageStatus ?? "unknown"}; ` +
        `the build was cancelled. Raise the imagebuilder build timeout, or read the build's log in CloudWatch Logs (${logGroup(state)})`,
    );
  }
  const amis = image?.outputResources?.amis ?? [];
  const ami = (amis.find((a) => a.region === state.region) ?? amis[0])?.image;
  if (!ami) throw new RuntimeFailure(`Image Builder reports ${state.imageArn} AVAILABLE but names no AMI in ${state.region}: expected one from the distribution configuration`);
  ctx.progress(`AMI ${ami}`);
  return ami;
}

function imageFailure(state: BuildState, image: Image | undefined): RuntimeFailure {
  const status = image?.state?.status ?? "unknown";
  const reason = image?.state?.reason ?? "Image Builder gave no reason";
  return new RuntimeFailure(`Image Builder could not build the image: ${status}: ${reason}`, {
    details: [`image ${state.imageArn}`, `the build instance's log is in CloudWatch Logs, group ${logGroup(state)}`],
  });
}

// Image Builder logs each build under the image's (the recipe's) name.
function logGroup(state: BuildState): string {
  return `/aws/imagebuilder/${state.names.name}`;
}
