// `image prune --target ec2`: old unibox AMIs that nothing uses, deregistered with their snapshots.
import { autoScalingClient, cancelOnSignals, ec2Client, progressLine } from "./aws-clients.js";
import type { CommandResult } from "./result.js";

export async function ec2ImagePruneCommand(options: { keep: number; dryRun: boolean; includePromoted: boolean }): Promise<CommandResult> {
  const { ec2ImagePrune } = await import("../ec2/prune/index.js");
  const { signal, release } = cancelOnSignals();
  try {
    const result = await ec2ImagePrune({ ec2: await ec2Client(), autoscaling: await autoScalingClient(), progress: progressLine, signal }, options);
    const verb = options.dryRun ? "would remove" : "removed";
    return {
      json: result,
      exitCode: result.failed.length ? 1 : 0,
      text: [
        result.removed.length ? `${verb} ${result.removed.length} AMI(s) and their snapshots:` : "no AMI to remove",
        ...result.removed.map((r) => `  ${r.imageId} (${r.snapshots.join(", ") || "no snapshots"})`),
        ...result.kept.map((k) => `  kept ${k.imageId}: ${k.reason}`),
        ...result.failed.flatMap((f) => [`  could not remove ${f.resource}: ${f.error}`, ...f.deleteByHand.map((c) => `    ${c}`)]),
      ].join("\n"),
    };
  } finally {
    release();
  }
}
