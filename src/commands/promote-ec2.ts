// `promote BOX --target ec2 [--launch-template LT]`: CreateImage of the reviewed instance, then a new default
// launch-template version with the new AMI.
import { cancelOnSignals, ec2Client, progressLine } from "./aws-clients.js";
import type { CommandResult } from "./result.js";

export async function ec2PromoteCommand(options: { box: string; launchTemplate?: string }): Promise<CommandResult> {
  const { ec2Promote } = await import("../ec2/index.js");
  const { addLaunchTemplateVersion } = await import("../ec2/launch-template/index.js");
  const ec2 = await ec2Client();
  const { signal, release } = cancelOnSignals();
  try {
    const lt = options.launchTemplate;
    // The template is looked up first: a typo must not cost a reboot of the box and an AMI thrown away.
    if (lt) {
      const { findLaunchTemplate, retryPolicy } = await import("../ec2/launch-template/index.js");
      await findLaunchTemplate(ec2, lt, { policy: retryPolicy(undefined), signal });
    }
    const result = await ec2Promote(
      { ec2, signal, progress: progressLine },
      {
        box: options.box,
        launchTemplate: lt,
        afterImage: lt ? (amiId) => addLaunchTemplateVersion({ ec2, signal }, { launchTemplate: lt, imageId: amiId, description: `unibox: promoted from review box ${options.box}` }) : undefined,
      },
    );
    const version = result.launchTemplate as { launchTemplateId: string; version: number; previousDefault: number } | undefined;
    return {
      json: { ...result, promotedFrom: result.promotedFrom.box, promotion: result.promotedFrom },
      text: [
        `promoted review box ${options.box} (${result.promotedFrom.instanceId}) to ${result.id} (from ${result.promotedFrom.image}; health verified ${result.healthVerifiedAt})`,
        ...(version ? [`launch template ${version.launchTemplateId}: version ${version.version} is the default now (was ${version.previousDefault}); roll it out: unibox rollout --asg NAME`] : []),
      ].join("\n"),
    };
  } finally {
    release();
  }
}
