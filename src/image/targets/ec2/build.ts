// One EC2 build: check what EC2 would refuse before anything is created, then run the steps.
import type { BuildInput, BuiltImage, TargetRunOptions } from "../../types.js";
import { runSteps } from "../../runner.js";
import { buildTags, imageName } from "./names.js";
import { checkTagLimits } from "./provenance-tags.js";
import type { Ec2Settings } from "./settings.js";
import type { Ec2BuildState } from "./state.js";
import { EC2_STEPS } from "./steps.js";
import { encodeUserData } from "./user-data.js";

/** The state a build starts from; throws, creating nothing, when the script or the provenance would not fit EC2's limits. */
export function initialState(settings: Ec2Settings, input: BuildInput): Ec2BuildState {
  const userData = encodeUserData(input.provisionScript);
  const startedAt = settings.now().toISOString();
  checkTagLimits(buildTags({ ...input, startedAt }, imageName(input.fingerprint, input.buildId)), input.manifest);
  return { settings, input, startedAt, userData, sent: { group: false, instance: false, image: false }, snapshotIds: [] };
}

/** Builds the AMI (every cleanup unwound whatever happens) and returns it. */
export async function buildOnEc2(settings: Ec2Settings, input: BuildInput, options: TargetRunOptions): Promise<BuiltImage> {
  const state = initialState(settings, input);
  await runSteps(EC2_STEPS, state, { signal: options.signal, reporter: options.reporter });
  return { id: state.imageId!, fingerprint: input.fingerprint, created: state.imageCreated ?? input.manifest.created, location: "ec2" };
}
