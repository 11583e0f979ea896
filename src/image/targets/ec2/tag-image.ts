// Step 5: the provenance on the AMI and its snapshots (the manifest's fields and the tree digest the builder
// reported), then `unibox:sealed=true` in a call of its own, last: an AMI is reused only once it carries it.
import { CreateTagsCommand, type Tag } from "@aws-sdk/client-ec2";
import type { Step, StepContext } from "../../runner.js";
import { awsFailure } from "./aws-error.js";
import { provenanceTags, SEALED } from "./provenance-tags.js";
import { NOT_FOUND_AFTER_CREATE, withRetry } from "./retry.js";
import type { Ec2BuildState } from "./state.js";

/** Tags the AMI and its snapshots; nothing of its own to clean up (a failed build's AMI goes with create-image). */
export const tagImageStep: Step<Ec2BuildState> = {
  name: "tag-image",
  title: "tag the AMI with its provenance and seal it",
  async run(state, ctx) {
    const resources = [state.imageId!, ...state.snapshotIds];
    await createTags(state, ctx, resources, provenanceTags(state.input.manifest, state.tree!));
    await createTags(state, ctx, resources, [SEALED]);
    ctx.progress(`${state.imageId} sealed`);
  },
};

async function createTags(state: Ec2BuildState, ctx: StepContext, resources: string[], tags: Tag[]): Promise<void> {
  const { ec2, timing } = state.settings;
  try {
    await withRetry(() => ec2.send(new CreateTagsCommand({ Resources: resources, Tags: tags }), { abortSignal: ctx.signal }), {
      policy: timing.retry,
      signal: ctx.signal,
      retryOn: [NOT_FOUND_AFTER_CREATE.image, NOT_FOUND_AFTER_CREATE.snapshot],
    });
  } catch (error) {
    throw awsFailure(`tagging ${resources.join(", ")}`, "ec2:CreateTags", error);
  }
}
