// The `imagebuilder` target (DESIGN.md §5): the provisioning script as an EC2 Image Builder component and recipe,
// built by Image Builder on the newest base AMI, tagged with the provenance, sealed; every scaffold deleted after.
import { runSteps, type Step } from "../../runner.js";
import type { BuildInput, BuiltImage, Target, TargetRunOptions } from "../../types.js";
import { newestBaseAmi, sealedImageByFingerprint } from "./base-ami.js";
import { componentDocument } from "./component-document.js";
import { describeBuild } from "./describe.js";
import { resourceNames } from "./names.js";
import { retryPolicy, settingsOf, type ImageBuilderTargetOptions, type Settings } from "./options.js";
import { provenanceTags } from "./provenance-tags.js";
import { regionOf } from "./region.js";
import type { BuildState } from "./state.js";
import { buildImage } from "./steps/build-image.js";
import { createComponent } from "./steps/create-component.js";
import { createDistribution } from "./steps/create-distribution.js";
import { createInfrastructure } from "./steps/create-infrastructure.js";
import { createRecipe } from "./steps/create-recipe.js";
import { seal } from "./steps/seal.js";

// What a caller passes: the options, the timing, a clock (tests), and the defaults it may want to show.
export type { ImageBuilderTargetOptions, ImageBuilderTiming } from "./options.js";
export type { Clock } from "./sleep.js";
export { DEFAULT_INSTANCE_PROFILE } from "./options.js";
export { INLINE_COMPONENT_LIMIT } from "./component-document.js";

/** The build's steps, in order; each cleanup undoes its own step. */
export const IMAGEBUILDER_STEPS: Step<BuildState>[] = [createComponent, createRecipe, createInfrastructure, createDistribution, buildImage, seal];

/** The imagebuilder target over the given clients. Import this module lazily: it loads both AWS SDK clients. */
export function imageBuilderTarget(options: ImageBuilderTargetOptions): Target {
  const settings = settingsOf(options);
  const region = () => regionOf(settings.imagebuilder, settings.region);
  const lookup = (run: TargetRunOptions) => ({ signal: run.signal, retry: retryPolicy(settings) });
  return {
    name: "imagebuilder",
    resolveBase: (run) => newestBaseAmi(settings.ec2, settings.ami, lookup(run)),
    async findByFingerprint(fingerprint, run): Promise<BuiltImage | undefined> {
      const image = await sealedImageByFingerprint(settings.ec2, fingerprint, lookup(run));
      if (!image?.ImageId) return undefined;
      const created = image.Tags?.find((t) => t.Key === "unibox:created")?.Value ?? image.CreationDate ?? "";
      return { id: image.ImageId, fingerprint, created, location: `imagebuilder:${await region()}` };
    },
    describe: (input) => describeBuild(input, settings, IMAGEBUILDER_STEPS),
    async build(input, run): Promise<BuiltImage> {
      const state = planBuild(input, settings, await region());
      await runSteps(IMAGEBUILDER_STEPS, state, { signal: run.signal, reporter: run.reporter });
      return { id: state.amiId!, fingerprint: input.fingerprint, created: input.manifest.created, location: `imagebuilder:${state.region}` };
    },
  };
}

/**
 * Everything decided before the first call: names, versions, the component document and the AMI tags. What
 * Image Builder would refuse (a component over its inline limit, too many tags) fails here, before anything exists.
 */
export function planBuild(input: BuildInput, settings: Settings, region: string): BuildState {
  const names = resourceNames(input);
  return {
    input,
    settings,
    region,
    names,
    component: componentDocument(input, names.name),
    amiTags: provenanceTags(input),
    tags: { "unibox:build-id": input.buildId },
  };
}
