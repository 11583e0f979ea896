// `--dry-run` for the imagebuilder target: the steps and every resource a build would create, computed, not created.
import type { BuildInput, PlannedResource } from "../../types.js";
import { componentDocument, INLINE_COMPONENT_LIMIT } from "./component-document.js";
import { resourceNames } from "./names.js";
import type { Settings } from "./options.js";
import { provenanceTags } from "./provenance-tags.js";
import type { BuildState } from "./state.js";
import type { Step } from "../../runner.js";

/** The steps and resources of `input`'s build; throws what the build would refuse (a component over the limit). */
export function describeBuild(input: BuildInput, settings: Settings, steps: Step<BuildState>[]): { steps: { name: string; title: string }[]; resources: PlannedResource[] } {
  const names = resourceNames(input);
  const component = componentDocument(input, names.name);
  const tags = provenanceTags(input);
  const version = names.semanticVersion;
  const placement = [settings.subnetId && `subnet ${settings.subnetId}`, settings.securityGroupIds?.length && `security groups ${settings.securityGroupIds.join(", ")}`].filter(Boolean);
  return {
    steps: steps.map((s) => ({ name: s.name, title: s.title })),
    resources: [
      { kind: "component", name: `${names.name}/${version}`, detail: `Linux, ${component.data.length} characters of YAML (limit ${INLINE_COMPONENT_LIMIT}), script ${component.embedding}` },
      { kind: "image-recipe", name: `${names.name}/${version}`, detail: `parent image ${input.recipe.base.id}` },
      {
        kind: "infrastructure-configuration",
        name: names.name,
        detail: [`${settings.instanceType}`, `instance profile ${settings.instanceProfileName}`, "IMDSv2 required", "terminate on failure", ...placement].join(", "),
      },
      { kind: "distribution-configuration", name: names.name, detail: `${Object.keys(tags).length} provenance tags on the AMI` },
      { kind: "image", name: `${names.name}/${version}`, detail: "Image Builder's record of the build; deleted once the AMI is sealed" },
      { kind: "instance", name: "the Image Builder build instance", detail: `${settings.instanceType}, terminated by Image Builder` },
      { kind: "ami", name: names.amiName, detail: "tagged with the provenance, then unibox:sealed=true" },
    ],
  };
}
