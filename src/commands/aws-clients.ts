// The AWS clients of the commands that talk to AWS, made on first use: importing the SDK costs ~0.6 s, which
// `boot` and every local command must not pay. Region and credentials come from the usual AWS environment.
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";

export async function ec2Client(): Promise<EC2Client> {
  const { EC2Client } = await import("@aws-sdk/client-ec2");
  return new EC2Client({});
}

export async function autoScalingClient(): Promise<AutoScalingClient> {
  const { AutoScalingClient } = await import("@aws-sdk/client-auto-scaling");
  return new AutoScalingClient({});
}

export { cancelOnSignals } from "../shared/cancel-on-signals.js";

export const progressLine = (line: string) => process.stderr.write(`${line}\n`);
