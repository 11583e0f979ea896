// What the imagebuilder target is given (clients, base AMI filter, builder placement, timing) and its defaults.
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ImagebuilderClient } from "@aws-sdk/client-imagebuilder";
import { realClock, type Clock } from "./sleep.js";

/** The two clients the imagebuilder target talks through: only `send`, so tests pass mocks. */
export type ImagebuilderSender = Pick<ImagebuilderClient, "send">;
/** The EC2 seam: base AMI lookup, reuse, sealing, and removing a failed build's AMI. */
export type Ec2Sender = Pick<EC2Client, "send">;

/** How long to wait and how often to ask; small in tests, minutes in real builds. */
export interface ImageBuilderTiming {
  /** Pause between two GetImage calls. */
  pollMs: number;
  /** The whole Image Builder build (PENDING to AVAILABLE): past it the build is cancelled and fails. */
  buildTimeoutMs: number;
  /** Pauses before each retry of a throttled call (one entry per retry). */
  retryDelaysMs?: number[];
  /** How long a cleanup waits for a cancelled image to stop before it deletes it. */
  settleTimeoutMs?: number;
}

/** Everything `imageBuilderTarget` needs: clients, the base AMI filter, where the builder runs. */
export interface ImageBuilderTargetOptions {
  imagebuilder: ImagebuilderSender;
  /** Base AMI lookup, reuse by fingerprint, tagging and deleting the AMI. */
  ec2: Ec2Sender;
  ami: { name: string; owners: string[]; architecture: string };
  instanceType?: string;
  subnetId?: string;
  securityGroupIds?: string[];
  /** Image Builder requires one; default EC2InstanceProfileForImageBuilder (see DEFAULT_INSTANCE_PROFILE). */
  instanceProfileName?: string;
  /** The region, when the client's config cannot tell (a mock, a custom client). */
  region?: string;
  timing?: ImageBuilderTiming;
  /** The clock every wait uses (tests pass a fake one that never sleeps). */
  clock?: Clock;
}

/**
 * The instance profile Image Builder's own getting-started guide creates (role with the
 * EC2InstanceProfileForImageBuilder and AmazonSSMManagedInstanceCore policies). The API has no default.
 */
export const DEFAULT_INSTANCE_PROFILE = "EC2InstanceProfileForImageBuilder";

/** The options with every default filled in. */
export interface Settings extends ImageBuilderTargetOptions {
  instanceType: string;
  instanceProfileName: string;
  /** True when the instance profile is the default: the build says so, since a missing profile fails late. */
  defaultInstanceProfile: boolean;
  timing: Required<ImageBuilderTiming>;
  clock: Clock;
}

/** How every wait of one build retries a throttled call: the configured pauses, on the configured clock. */
export function retryPolicy(settings: Settings): { delaysMs: number[]; sleep: Clock["sleep"] } {
  return { delaysMs: settings.timing.retryDelaysMs, sleep: settings.clock.sleep };
}

/** Fills in the defaults: an instance type for the AMI's architecture, the documented profile, real-world timing. */
export function settingsOf(options: ImageBuilderTargetOptions): Settings {
  const timing = options.timing ?? { pollMs: 30_000, buildTimeoutMs: 2 * 60 * 60_000 };
  // Retries and the settle wait scale down with the poll interval, so a caller that shrinks the timing shrinks every wait.
  const retryBase = Math.min(1000, timing.pollMs);
  return {
    ...options,
    instanceType: options.instanceType ?? (options.ami.architecture === "arm64" ? "t4g.medium" : "t3.medium"),
    instanceProfileName: options.instanceProfileName ?? DEFAULT_INSTANCE_PROFILE,
    defaultInstanceProfile: options.instanceProfileName === undefined,
    clock: options.clock ?? realClock,
    timing: {
      pollMs: timing.pollMs,
      buildTimeoutMs: timing.buildTimeoutMs,
      retryDelaysMs: timing.retryDelaysMs ?? [1, 2, 4, 8, 16].map((n) => n * retryBase),
      settleTimeoutMs: timing.settleTimeoutMs ?? Math.min(15 * 60_000, timing.buildTimeoutMs),
    },
  };
}
