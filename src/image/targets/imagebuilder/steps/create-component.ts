// Step 1: the provisioning script as a versioned Image Builder component (Linux, inline YAML).
import { CreateComponentCommand, DeleteComponentCommand } from "@aws-sdk/client-imagebuilder";
import { RuntimeFailure } from "../../../../errors.js";
import type { Step } from "../../../runner.js";
import { callAws } from "../call.js";
import { deleteResource } from "../delete-resource.js";
import type { BuildState } from "../state.js";

/** Creates the component (the document was rendered and size-checked before any step ran); cleanup deletes it. */
export const createComponent: Step<BuildState> = {
  name: "create-component",
  title: "create the Image Builder component",
  async run(state, ctx) {
    const { imagebuilder } = state.settings;
    const created = await callAws(state, ctx, "CreateComponent", (options) =>
      imagebuilder.send(
        new CreateComponentCommand({
          name: state.names.name,
          semanticVersion: state.names.semanticVersion,
          description: `unibox provisioning script, fingerprint ${state.input.fingerprint}`,
          platform: "Linux",
          data: state.component.data,
          tags: state.tags,
          clientToken: state.names.tokens.component,
        }),
        options,
      ),
    );
    if (!created.componentBuildVersionArn) throw new RuntimeFailure(`CreateComponent answered without a componentBuildVersionArn (request id ${created.requestId ?? "unknown"})`);
    state.componentArn = created.componentBuildVersionArn;
    ctx.progress(`component ${state.componentArn}`);
  },
  async cleanup(state, ctx) {
    const arn = state.componentArn;
    if (!arn) return;
    await deleteResource(state, "component", arn, () => state.settings.imagebuilder.send(new DeleteComponentCommand({ componentBuildVersionArn: arn })), ctx.progress);
    state.componentArn = undefined;
  },
};
