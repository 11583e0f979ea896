// `review` and `fleet ls` with --target ec2: the functions of src/ec2/ given a real EC2 client.
import { UsageError } from "../errors.js";
import type { ReviewBox, FleetBox } from "../review/types.js";
import { cancelOnSignals, ec2Client, progressLine } from "./aws-clients.js";

async function withEc2<T>(run: (deps: { ec2: Awaited<ReturnType<typeof ec2Client>>; signal: AbortSignal; progress: (l: string) => void }, ec2: typeof import("../ec2/index.js")) => Promise<T>): Promise<T> {
  const ec2Module = await import("../ec2/index.js");
  const { signal, release } = cancelOnSignals();
  try {
    return await run({ ec2: await ec2Client(), signal, progress: progressLine }, ec2Module);
  } finally {
    release();
  }
}

/** What `review up --target ec2` was given (the local options it does not use are left out). */
export interface Ec2ReviewUpInput {
  name?: string;
  image?: string;
  refs: Record<string, string>;
  stackRef?: string;
  ttlMs?: number;
  maxAgeMs?: number;
  waitMs: number;
  ec2: { instanceType?: string; subnetId?: string; securityGroupIds: string[]; iamInstanceProfile?: string; keyName?: string };
}

export async function ec2ReviewUpCommand(options: Ec2ReviewUpInput): Promise<ReviewBox> {
  if (options.stackRef) {
    // The box has the stack definition baked in its image, not the stack's repository to fetch a branch from.
    throw new UsageError("--stack-ref is for review boxes on this machine: an EC2 box runs the stack definition baked in its AMI", {
      details: [`Build an AMI from that branch (check it out; unibox image build --target ec2) and: unibox review up --target ec2 --image ami-...`],
    });
  }
  const { checkBoxName, defaultBoxName } = await import("../review/names.js");
  const name = options.name !== undefined ? checkBoxName(options.name) : defaultBoxName(options.refs, options.stackRef);
  return withEc2((deps, m) =>
    m.ec2ReviewUp(
      { ...deps, timeoutMs: options.waitMs },
      {
        name,
        image: options.image,
        refs: options.refs,
        stackRef: options.stackRef,
        ttlMs: options.ttlMs || undefined,
        maxAgeMs: options.maxAgeMs,
        instanceType: options.ec2.instanceType,
        subnetId: options.ec2.subnetId,
        securityGroupIds: options.ec2.securityGroupIds.length ? options.ec2.securityGroupIds : undefined,
        iamInstanceProfile: options.ec2.iamInstanceProfile,
        keyName: options.ec2.keyName,
      },
    ),
  );
}

export const ec2ReviewLsCommand = (): Promise<ReviewBox[]> => withEc2((deps, m) => m.ec2ReviewLs(deps));
export const ec2ReviewDownCommand = (name: string): Promise<ReviewBox[]> => withEc2((deps, m) => m.ec2ReviewDown(deps, name));
export const ec2ReviewReapCommand = (dryRun: boolean) => withEc2((deps, m) => m.ec2ReviewReap(deps, { dryRun }));
export const ec2FleetLsCommand = (filter: { mode?: string; service?: string }): Promise<FleetBox[]> => withEc2((deps, m) => m.ec2FleetLs(deps, filter));
