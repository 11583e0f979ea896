// A launch template named by its id (`lt-…`) or its name, with the version numbers every change starts from.
import { DescribeLaunchTemplatesCommand } from "@aws-sdk/client-ec2";
import { UsageError } from "../../errors.js";
import { awsFailure, errorName } from "../../image/targets/ec2/aws-error.js";
import { withRetry } from "../../image/targets/ec2/retry.js";
import type { CallOptions, Ec2Sender } from "./deps.js";

/** What a launch template is now: its default version is what new instances launched with `$Default` get. */
export interface LaunchTemplateInfo {
  id: string;
  name: string;
  defaultVersion: number;
  latestVersion: number;
}

// EC2 answers an unknown or malformed id or name with one of these instead of an empty list.
const NOT_FOUND = [
  "InvalidLaunchTemplateId.NotFound",
  "InvalidLaunchTemplateId.Malformed",
  "InvalidLaunchTemplateName.NotFoundException",
  "InvalidLaunchTemplateName.MalformedException",
];

/** True for the id form (`lt-0abc…`); anything else is a name. */
export function isLaunchTemplateId(value: string): boolean {
  return /^lt-[0-9a-f]{8,}$/.test(value);
}

/** Looks `idOrName` up; a template that does not exist is a usage error (the user named it). */
export async function findLaunchTemplate(ec2: Ec2Sender, idOrName: string, options: CallOptions): Promise<LaunchTemplateInfo> {
  const input = isLaunchTemplateId(idOrName) ? { LaunchTemplateIds: [idOrName] } : { LaunchTemplateNames: [idOrName] };
  let found;
  try {
    const out = await withRetry(() => ec2.send(new DescribeLaunchTemplatesCommand(input), { abortSignal: options.signal }), options);
    found = out.LaunchTemplates?.[0];
  } catch (error) {
    if (!NOT_FOUND.includes(errorName(error))) throw awsFailure(`looking up the launch template ${idOrName}`, "ec2:DescribeLaunchTemplates", error);
  }
  if (!found?.LaunchTemplateId || found.DefaultVersionNumber === undefined) {
    throw new UsageError(`no launch template ${idOrName} in this account and region`, {
      details: ["the ones there: aws ec2 describe-launch-templates --query 'LaunchTemplates[].[LaunchTemplateId,LaunchTemplateName]'"],
    });
  }
  return {
    id: found.LaunchTemplateId,
    name: found.LaunchTemplateName ?? found.LaunchTemplateId,
    defaultVersion: found.DefaultVersionNumber,
    latestVersion: found.LatestVersionNumber ?? found.DefaultVersionNumber,
  };
}
