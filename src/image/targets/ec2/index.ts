// The `ec2` target: an AMI baked on a temporary builder instance (DESIGN.md §5). Import it lazily
// (`await import(...)`): @aws-sdk/client-ec2 costs ~0.6 s to load, which only an EC2 build should pay.
import type { Target } from "../../types.js";
import { buildOnEc2 } from "./build.js";
import { describeEc2Build } from "./describe.js";
import { findAmiByFingerprint } from "./find-by-fingerprint.js";
import { resolveBaseAmi } from "./resolve-base.js";
import { resolveSettings, type Ec2Sender, type Ec2Timing } from "./settings.js";

export { cleanupOrphans, type OrphanOptions, type OrphanReport } from "./orphans.js";
export type { Ec2Sender, Ec2Timing } from "./settings.js";

/** How the ec2 target reaches EC2 and what it builds on. */
export interface Ec2TargetOptions {
  /** A narrow seam: an EC2Client in the CLI, a mocked one in tests. */
  ec2: Ec2Sender;
  /** The recipe's `base.ami`: a name filter (wildcards allowed), the owners to trust, the CPU architecture. */
  ami: { name: string; owners: string[]; architecture: string };
  /** Default t3.small (x86_64) / t4g.small (arm64). */
  instanceType?: string;
  /** Default: the default VPC, and its default subnet for the builder. */
  subnetId?: string;
  /** Intervals and bounds; tests pass tiny values. Unset fields keep their defaults. */
  timing?: Partial<Ec2Timing>;
  /** The clock of the `unibox:build-started` tag (tests pin it). */
  now?: () => Date;
}

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
