// `unibox rollback --launch-template LT`: the version before the default becomes the default again.
import { ModifyLaunchTemplateCommand } from "@aws-sdk/client-ec2";
import { UsageError } from "../../errors.js";
import { awsFailure } from "../../image/targets/ec2/aws-error.js";
import { withRetry } from "../../image/targets/ec2/retry.js";
import { retryPolicy, type LaunchTemplateDeps } from "./deps.js";
import { findLaunchTemplate } from "./find-template.js";
import { listVersions } from "./versions.js";

export interface RollbackLaunchTemplateOptions {
  /** The template's id (`lt-…`) or name. */
  launchTemplate: string;
}

export interface LaunchTemplateRollback {
  launchTemplateId: string;
  launchTemplateName: string;
  /** The default before. */
  from: number;
  /** The default now. */
  to: number;
  /** The AMI the new default launches. */
  imageId?: string;
}

/**
 * Makes the highest existing version below the current default the default. Only instances launched from now on
 * (groups on `$Default`) get it; `rollout` replaces running ones. No such version is a usage error.
 */
export async function rollbackLaunchTemplate(deps: LaunchTemplateDeps, opts: RollbackLaunchTemplateOptions): Promise<LaunchTemplateRollback> {
  const retry = retryPolicy(deps.retry);
  const { ec2, signal } = deps;
  const template = await findLaunchTemplate(ec2, opts.launchTemplate, { policy: retry, signal });
  const versions = await listVersions(ec2, template.id, { policy: retry, signal });
  // Versions can be deleted, so "default - 1" may not exist: the highest one left below the default counts.
  const previous = versions.find((v) => v.version < template.defaultVersion);
  if (!previous) {
    throw new UsageError(`the launch template ${template.name} (${template.id}) has no version below its default ${template.defaultVersion}: nothing to roll back to`, {
      details: [`its versions: ${versions.map((v) => v.version).join(", ") || "none"}`],
    });
  }
  try {
    await withRetry(() => ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: template.id, DefaultVersion: String(previous.version) }), { abortSignal: signal }), {
      policy: retry,
      signal,
    });
  } catch (error) {
    throw awsFailure(`making version ${previous.version} the default of the launch template ${template.name} (${template.id})`, "ec2:ModifyLaunchTemplate", error);
  }
  return {
    launchTemplateId: template.id,
    launchTemplateName: template.name,
    from: template.defaultVersion,
    to: previous.version,
    ...(previous.imageId ? { imageId: previous.imageId } : {}),
  };
}
