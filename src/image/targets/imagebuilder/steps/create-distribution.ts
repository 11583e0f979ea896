// Step 4: the AMI's name and provenance tags, in the build's own region.
import { CreateDistributionConfigurationCommand, DeleteDistributionConfigurationCommand } from "@aws-sdk/client-imagebuilder";
import { RuntimeFailure } from "../../../../errors.js";
import type { Step } from "../../../runner.js";
import { callAws } from "../call.js";
import { deleteResource } from "../delete-resource.js";
import type { BuildState } from "../state.js";

/** Creates the distribution configuration; cleanup deletes it. */
export const createDistribution: Step<BuildState> = {
  name: "create-distribution",
  title: "create the Image Builder distribution configuration",
  async run(state, ctx) {
    const { imagebuilder } = state.settings;
    const created = await callAws(state, ctx, "CreateDistributionConfiguration", (options) =>
      imagebuilder.send(
        new CreateDistributionConfigurationCommand({
          name: state.names.name,
          description: `unibox build ${state.input.buildId}`,
          distributions: [
            {
              region: state.region,
              amiDistributionConfiguration: {
                name: state.names.amiName,
                description: `unibox image ${state.input.fingerprint}`,
                amiTags: state.amiTags,
              },
            },
          ],
          tags: state.tags,
          clientToken: state.names.tokens.distribution,
        }),
        options,
      ),
    );
    if (!created.distributionConfigurationArn) {
      throw new RuntimeFailure(`CreateDistributionConfiguration answered without a distributionConfigurationArn (request id ${created.requestId ?? "unknown"})`);
    }
    state.distributionArn = created.distributionConfigurationArn;
    ctx.progress(`distribution configuration ${state.distributionArn}`);
  },
  async cleanup(state, ctx) {
    const arn = state.distributionArn;
    if (!arn) return;
    await deleteResource(
      state,
      "distribution configuration",
      arn,
      () => state.settings.imagebuilder.send(new DeleteDistributionConfigurationCommand({ distributionConfigurationArn: arn })),
      ctx.progress,
    );
    state.distributionArn = undefined;
  },
};
