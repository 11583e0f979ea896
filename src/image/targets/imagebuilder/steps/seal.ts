// Step 6: mark the AMI complete. Reuse looks only for sealed AMIs, so an AMI that a crash left half-tagged is never reused.
import { CreateTagsCommand } from "@aws-sdk/client-ec2";
import type { Step } from "../../../runner.js";
import { callAws } from "../call.js";
import type { BuildState } from "../state.js";

/** Tags the output AMI `unibox:sealed=true`. Nothing to undo: a failure here makes build-image's cleanup remove the AMI. */
export const seal: Step<BuildState> = {
  name: "seal",
  title: "seal the AMI",
  async run(state, ctx) {
    const amiId = state.amiId!;
    await callAws(
      state,
      ctx,
      "CreateTags (unibox:sealed)",
      (options) => state.settings.ec2.send(new CreateTagsCommand({ Resources: [amiId], Tags: [{ Key: "unibox:sealed", Value: "true" }] }), options),
      // A new AMI can be briefly unknown to the EC2 endpoint that answers (eventual consistency).
      { alsoRetry: ["InvalidAMIID.NotFound"] },
    );
    ctx.progress(`sealed ${amiId}`);
  },
};
