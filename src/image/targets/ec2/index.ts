// The `ec2` target: an AMI baked on a temporary builder instance (DESIGN.md §5). Import it lazily
// (`await import(...)`): @aws-sdk/client-ec2 costs ~0.6 s to load, which only an EC2 build should pay.
import type { Target } from "../../types.js";
import { buildOnEc2 } from "./build.js";
import { describeEc2Build } from "./describe.js";
import { findAmiByFingerprint } from "./find-by-fingerprint.js";
import { resolveBaseAmi } from "./resolve-base.js";
import { resolveSettings, type Ec2TargetOptions } from "./settings.js";

export { cleanupOrphans, type OrphanOptions, type OrphanReport } from "./orphans.js";
export type { Ec2Sender, Ec2TargetOptions, Ec2Timing } from "./settings.js";

/** The ec2 target; throws a UsageError when the architecture has no default builder type and none is given. */
export function ec2Target(options: Ec2TargetOptions): Target {
  const settings = resolveSettings(options);
  return {
    name: "ec2",
    resolveBase: ({ signal }) => resolveBaseAmi(settings, signal),
    findByFingerprint: (fingerprint, { signal }) => findAmiByFingerprint(settings, fingerprint, signal),
    describe: (input) => describeEc2Build(settings, input),
    build: (input, runOptions) => buildOnEc2(settings, input, runOptions),
  };
}
