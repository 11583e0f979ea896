// Launch-template versions: one resolved to its number and AMI (`$Default` and `$Latest` included), or all of them.
import { DescribeLaunchTemplateVersionsCommand, type DescribeLaunchTemplateVersionsCommandInput } from "@aws-sdk/client-ec2";
import { UsageError } from "../../errors.js";
import { awsFailure, errorName } from "../../image/targets/ec2/aws-error.js";
import { allPages } from "../../image/targets/ec2/pages.js";
import { withRetry } from "../../image/targets/ec2/retry.js";
import type { CallOptions, Ec2Sender } from "./deps.js";

/** One version of a launch template, as a number (never `$Default`/`$Latest`). */
export interface LaunchTemplateVersionInfo {
  launchTemplateId: string;
  launchTemplateName: string;
  version: number;
  /** The AMI it launches; absent when the version names none (or an SSM parameter EC2 did not resolve). */
  imageId?: string;
  description?: string;
  isDefault: boolean;
}

/** A template as Auto Scaling names it: by id or by name. */
export interface TemplateRef {
  id?: string;
  name?: string;
}

/** EC2's answers when the template or the version is gone. */
export const VERSION_NOT_FOUND = [
  "InvalidLaunchTemplateId.VersionNotFound",
  "InvalidLaunchTemplateId.NotFound",
  "InvalidLaunchTemplateName.NotFoundException",
  "InvalidLaunchTemplateId.Malformed",
];

/** `7`, `$Default` or `$Latest` as EC2 spells them (`latest` and `default` are accepted too); anything else is a usage error. */
export function normalizeVersion(version: string): string {
  const v = version.trim();
  if (/^[1-9][0-9]*$/.test(v)) return v;
  const alias = /^\$?(latest|default)$/i.exec(v);
  if (alias) return alias[1].toLowerCase() === "latest" ? "$Latest" : "$Default";
  throw new UsageError(`launch template version "${version}" is not a version: expected a number, $Default or $Latest`);
}

function templateInput(template: TemplateRef): Pick<DescribeLaunchTemplateVersionsCommandInput, "LaunchTemplateId" | "LaunchTemplateName"> {
  return template.id ? { LaunchTemplateId: template.id } : { LaunchTemplateName: template.name };
}

function label(template: TemplateRef): string {
  return template.id ?? template.name ?? "(unnamed launch template)";
}

function toInfo(v: {
  LaunchTemplateId?: string;
  LaunchTemplateName?: string;
  VersionNumber?: number;
  VersionDescription?: string;
  DefaultVersion?: boolean;
  LaunchTemplateData?: { ImageId?: string };
}): LaunchTemplateVersionInfo {
  return {
    launchTemplateId: v.LaunchTemplateId ?? "",
    launchTemplateName: v.LaunchTemplateName ?? v.LaunchTemplateId ?? "",
    version: v.VersionNumber ?? 0,
    ...(v.LaunchTemplateData?.ImageId ? { imageId: v.LaunchTemplateData.ImageId } : {}),
    ...(v.VersionDescription ? { description: v.VersionDescription } : {}),
    isDefault: v.DefaultVersion === true,
  };
}

/**
 * The concrete version `version` (a number, `$Default` or `$Latest`) of `template` stands for now.
 * Returns undefined when the template or the version does not exist.
 */
export async function findVersion(
  ec2: Ec2Sender,
  template: TemplateRef,
  version: string,
  options: CallOptions,
): Promise<LaunchTemplateVersionInfo | undefined> {
  const wanted = normalizeVersion(version);
  try {
    const out = await withRetry(
      () => ec2.send(new DescribeLaunchTemplateVersionsCommand({ ...templateInput(template), Versions: [wanted] }), { abortSignal: options.signal }),
      options,
    );
    const found = out.LaunchTemplateVersions?.[0];
    return found?.VersionNumber === undefined ? undefined : toInfo(found);
  } catch (error) {
    if (VERSION_NOT_FOUND.includes(errorName(error))) return undefined;
    throw awsFailure(`reading version ${version} of the launch template ${label(template)}`, "ec2:DescribeLaunchTemplateVersions", error);
  }
}

/** Like findVersion, but a version that does not exist is a usage error naming it. */
export async function resolveVersion(
  ec2: Ec2Sender,
  template: TemplateRef,
  version: string,
  options: CallOptions,
): Promise<LaunchTemplateVersionInfo> {
  const found = await findVersion(ec2, template, version, options);
  if (!found) {
    throw new UsageError(`the launch template ${label(template)} has no version ${version}`, {
      details: [`its versions: aws ec2 describe-launch-template-versions ${template.id ? `--launch-template-id ${template.id}` : `--launch-template-name ${template.name}`} --query 'LaunchTemplateVersions[].[VersionNumber,DefaultVersion,LaunchTemplateData.ImageId]'`],
    });
  }
  return found;
}

/** Every version of the template `id` that still exists (all pages), highest first. */
export async function listVersions(ec2: Ec2Sender, id: string, options: CallOptions): Promise<LaunchTemplateVersionInfo[]> {
  try {
    const pages = await allPages((token) =>
      withRetry(() => ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, NextToken: token }), { abortSignal: options.signal }), options),
    );
    return pages
      .flatMap((p) => p.LaunchTemplateVersions ?? [])
      .filter((v) => v.VersionNumber !== undefined)
      .map(toInfo)
      .sort((a, b) => b.version - a.version);
  } catch (error) {
    throw awsFailure(`listing the versions of the launch template ${id}`, "ec2:DescribeLaunchTemplateVersions", error);
  }
}
