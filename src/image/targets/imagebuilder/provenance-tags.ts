// The tags an AMI carries: the manifest's provenance, so `image ls` and a reuse lookup need not boot the image.
import { RuntimeFailure } from "../../../errors.js";
import type { BuildInput } from "../../types.js";

/** EC2's limits on one resource's tags. */
const MAX_TAGS = 50;
const MAX_KEY = 128;
const MAX_VALUE = 256;

/** The provenance tags of the image `input` builds (all but `unibox:sealed`, set once the image is complete). */
export function provenanceTags(input: BuildInput): Record<string, string> {
  const { manifest } = input;
  const tags: Record<string, string> = {
    "unibox:fingerprint": input.fingerprint,
    "unibox:id": manifest.id,
    "unibox:created": manifest.created,
    "unibox:base": manifest.base.id,
    "unibox:unibox-version": manifest.unibox.version,
    "unibox:builder": manifest.builder.id,
    "unibox:build-id": input.buildId,
  };
  if (manifest.ciRunUrl) tags["unibox:ci-run"] = manifest.ciRunUrl;
  for (const [name, repo] of Object.entries(manifest.repos)) tags[`unibox:repo:${name}`] = repo.commit;
  for (const [name, runtime] of Object.entries(manifest.runtimes)) tags[`unibox:runtime:${name}`] = runtime.version;
  checkLimits(tags);
  return tags;
}

// Refused before anything is created: Image Builder would only fail at distribution, after a long build.
function checkLimits(tags: Record<string, string>): void {
  const count = Object.keys(tags).length;
  if (count > MAX_TAGS) {
    throw new RuntimeFailure(`the AMI would carry ${count} provenance tags; EC2 allows ${MAX_TAGS} per image: bake fewer repos and runtimes into one image`);
  }
  for (const [key, value] of Object.entries(tags)) {
    if (key.length > MAX_KEY) throw new RuntimeFailure(`the AMI tag key "${key}" has ${key.length} characters; EC2 allows ${MAX_KEY}: shorten the repo or runtime name`);
    if (value.length > MAX_VALUE) throw new RuntimeFailure(`the AMI tag ${key} would be ${value.length} characters; EC2 allows ${MAX_VALUE}: shorten it (a CI run URL is the usual culprit)`);
  }
}
