// The EC2 target's options, with every default filled in once, so the steps read one settled value.
import type { EC2Client } from "@aws-sdk/client-ec2";
import { UsageError } from "../../../errors.js";
import type { RetryPolicy } from "./retry.js";

/** The only EC2 method the target uses: tests inject a mocked client, the CLI a real one. */
export type Ec2Sender = Pick<EC2Client, "send">;

/** Every bound and interval of a build; tests pass tiny values so nothing sleeps for real. */
export interface Ec2Timing {
  /** Pause between two polls of the builder (and the AMI waiter's shortest delay). */
  pollMs: number;
  /** The builder must have provisioned and powered off within this. */
  buildTimeoutMs: number;
  /** CreateImage must reach `available` within this. */
  imageTimeoutMs: number;
  /** After the builder stopped, how long its console output may lag before the build gives up on a marker. */
  consoleTimeoutMs: number;
  /** Each cleanup (terminate and wait, delete a group still in use, delete a snapshot still in use) within this. */
  cleanupTimeoutMs: number;
  retry: RetryPolicy;
}

/** Real AWS: builds take minutes, CreateImage of a few GB tens of minutes. */
export const DEFAULT_TIMING: Ec2Timing = {
  pollMs: 10_000,
  buildTimeoutMs: 60 * 60_000,
  imageTimeoutMs: 60 * 60_000,
  consoleTimeoutMs: 5 * 60_000,
  cleanupTimeoutMs: 10 * 60_000,
  retry: { attempts: 8, baseMs: 1000, maxMs: 20_000 },
};

/** A builder big enough to run npm/bundler builds, per CPU architecture of the base AMI. */
export const DEFAULT_INSTANCE_TYPES: Record<string, string> = { x86_64: "t3.small", arm64: "t4g.small" };

export interface Ec2Settings {
  ec2: Ec2Sender;
  ami: { name: string; owners: string[]; architecture: string };
  instanceType: string;
  subnetId?: string;
  timing: Ec2Timing;
  now: () => Date;
}

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

/** Fills in the defaults; an architecture with no default builder type and no `instanceType` is a recipe error. */
export function resolveSettings(options: Ec2TargetOptions): Ec2Settings {
  const instanceType = options.instanceType ?? DEFAULT_INSTANCE_TYPES[options.ami.architecture];
  if (!instanceType) {
    throw new UsageError(
      `no default builder instance type for architecture "${options.ami.architecture}": expected one of ${Object.keys(DEFAULT_INSTANCE_TYPES).join(", ")}, or an instance type given for the ec2 target`,
    );
  }
  return {
    ec2: options.ec2,
    ami: options.ami,
    instanceType,
    subnetId: options.subnetId,
    timing: { ...DEFAULT_TIMING, ...options.timing, retry: { ...DEFAULT_TIMING.retry, ...options.timing?.retry } },
    now: options.now ?? (() => new Date()),
  };
}
