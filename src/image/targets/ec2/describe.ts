// `--dry-run` on EC2: the steps and every resource a build would create, with the names they will have.
import type { BuildInput, PlannedResource } from "../../types.js";
import { groupName, imageName, instanceName } from "./names.js";
import type { Ec2Settings } from "./settings.js";
import { EC2_STEPS } from "./steps.js";

/** What a build of `input` would do; creates nothing and calls nothing. */
export function describeEc2Build(settings: Ec2Settings, input: BuildInput): { steps: { name: string; title: string }[]; resources: PlannedResource[] } {
  const where = settings.subnetId ? `the VPC of ${settings.subnetId}` : "the default VPC";
  const name = imageName(input.fingerprint, input.buildId);
  return {
    steps: EC2_STEPS.map(({ name, title }) => ({ name, title })),
    resources: [
      { kind: "security-group", name: groupName(input.buildId), detail: `in ${where}, no inbound rule; deleted after the build` },
      {
        kind: "instance",
        name: instanceName(input.buildId),
        detail: `${settings.instanceType} from ${input.recipe.base.id}, IMDSv2 required, user data ${Buffer.byteLength(input.provisionScript)} bytes; terminated after the build`,
      },
      { kind: "ami", name, detail: "kept: tagged with the provenance and unibox:sealed=true" },
      { kind: "snapshot", name: `snapshots of ${name}`, detail: "one per volume of the builder; kept with the AMI" },
    ],
  };
}
