// Step 3: where Image Builder runs the build: IMDSv2 required, the instance terminated even when the build fails.
import { CreateInfrastructureConfigurationCommand, DeleteInfrastructureConfigurationCommand } from "@aws-sdk/client-imagebuilder";
import { RuntimeFailure } from "../../../../errors.js";
import type { Step } from "../../../runner.js";
import { callAws } from "../call.js";
import { deleteResource } from "../delete-resource.js";
import { DEFAULT_INSTANCE_PROFILE } from "../options.js";
import type { BuildState } from "../state.js";

/** Creates the infrastructure configuration; cleanup deletes it. */
export const createInfrastructure: Step<BuildState> = {
  name: "create-infrastructure",
  title: "create the Image Builder infrastructure configuration",
  async run(state, ctx) {
    const { imagebuilder, instanceType, instanceProfileName, subnetId, securityGroupIds } = state.settings;
    if (state.settings.defaultInstanceProfile) {
      // The API requires a profile and a wrong one fails only once the builder is up: say which one is assumed.
      ctx.progress(`no instance profile given: using ${DEFAULT_INSTANCE_PROFILE} (its role needs the EC2InstanceProfileForImageBuilder and AmazonSSMManagedInstanceCore policies)`);
    }
    const created = await callAws(
      state,
      ctx,
      "CreateInfrastructureConfiguration",
      (options) =>
        imagebuilder.send(
          new CreateInfrastructureConfigurationCommand({
            name: state.names.name,
            description: `unibox build ${state.input.buildId}`,
            instanceTypes: [instanceType],
            instanceProfileName,
            ...(subnetId ? { subnetId } : {}),
            ...(securityGroupIds?.length ? { securityGroupIds } : {}),
            terminateInstanceOnFailure: true,
            instanceMetadataOptions: { httpTokens: "required" },
            // The builder instance and its volumes carry the build id too: a janitor finds them after a SIGKILL.
            resourceTags: state.tags,
            tags: state.tags,
            clientToken: state.names.tokens.infrastructure,
          }),
          options,
        ),
      { hint: `check that the instance profile ${instanceProfileName} exists${subnetId ? `, and subnet ${subnetId}` : ""}${securityGroupIds?.length ? ` and security groups ${securityGroupIds.join(", ")}` : ""}` },
    );
    if (!created.infrastructureConfigurationArn) {
      throw new RuntimeFailure(`CreateInfrastructureConfiguration answered without an infrastructureConfigurationArn (request id ${created.requestId ?? "unknown"})`);
    }
    state.infrastructureArn = created.infrastructureConfigurationArn;
    ctx.progress(`infrastructure configuration ${state.infrastructureArn}`);
  },
  async cleanup(state, ctx) {
    const arn = state.infrastructureArn;
    if (!arn) return;
    await deleteResource(
      state,
      "infrastructure configuration",
      arn,
      () => state.settings.imagebuilder.send(new DeleteInfrastructureConfigurationCommand({ infrastructureConfigurationArn: arn })),
      ctx.progress,
    );
    state.infrastructureArn = undefined;
  },
};
