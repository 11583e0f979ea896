// Step 2: an image recipe: the resolved base AMI plus the component.
import { CreateImageRecipeCommand, DeleteImageRecipeCommand } from "@aws-sdk/client-imagebuilder";
import { RuntimeFailure } from "../../../../errors.js";
import type { Step } from "../../../runner.js";
import { callAws } from "../call.js";
import { deleteResource } from "../delete-resource.js";
import type { BuildState } from "../state.js";

/** Creates the recipe on the base AMI the fingerprint was computed with; cleanup deletes it. */
export const createRecipe: Step<BuildState> = {
  name: "create-recipe",
  title: "create the Image Builder recipe",
  async run(state, ctx) {
    const { imagebuilder } = state.settings;
    const base = state.input.recipe.base;
    const created = await callAws(state, ctx, "CreateImageRecipe", (options) =>
      imagebuilder.send(
        new CreateImageRecipeCommand({
          name: state.names.name,
          semanticVersion: state.names.semanticVersion,
          description: `unibox image on ${base.id} (${base.name})`,
          parentImage: base.id,
          components: [{ componentArn: state.componentArn }],
          tags: state.tags,
          clientToken: state.names.tokens.recipe,
        }),
        options,
      ),
    );
    if (!created.imageRecipeArn) throw new RuntimeFailure(`CreateImageRecipe answered without an imageRecipeArn (request id ${created.requestId ?? "unknown"})`);
    state.recipeArn = created.imageRecipeArn;
    ctx.progress(`recipe ${state.recipeArn}`);
  },
  async cleanup(state, ctx) {
    const arn = state.recipeArn;
    if (!arn) return;
    await deleteResource(state, "image recipe", arn, () => state.settings.imagebuilder.send(new DeleteImageRecipeCommand({ imageRecipeArn: arn })), ctx.progress);
    state.recipeArn = undefined;
  },
};
