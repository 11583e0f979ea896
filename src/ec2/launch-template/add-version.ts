// A new launch-template version that launches another AMI, made the default: what `promote` ends with.
// Either both steps happen or neither shows: a version that could not become the default is deleted again.
import { randomUUID } from "node:crypto";
import { CreateLaunchTemplateVersionCommand, DeleteLaunchTemplateVersionsCommand, ModifyLaunchTemplateCommand } from "@aws-sdk/client-ec2";
import { RuntimeFailure } from "../../errors.js";
import { awsFailure, errorText } from "../../image/targets/ec2/aws-error.js";
import { withRetry, type RetryPolicy } from "../../image/targets/ec2/retry.js";
import { retryPolicy, type Ec2Sender, type LaunchTemplateDeps } from "./deps.js";
import { findLaunchTemplate } from "./find-template.js";

/** EC2 may not yet know a version it just created when the next call names it. */
const VERSION_NOT_YET_VISIBLE = ["InvalidLaunchTemplateId.VersionNotFound"];

/** EC2 refuses longer version descriptions. */
const MAX_DESCRIPTION = 255;

export interface AddLaunchTemplateVersionOptions {
  /** The template's id (`lt-…`) or name. */
  launchTemplate: string;
  /** The AMI the new version launches; everything else is copied from the current default version. */
  imageId: string;
  /** Shown in the console and `describe-launch-template-versions` (e.g. "unibox: promoted from box pr-42"). */
  description: string;
}

export interface AddedLaunchTemplateVersion {
  launchTemplateId: string;
  launchTemplateName: string;
  /** The new version, now the default. */
  version: number;
  /** The default before: what `rollbackLaunchTemplate` goes back to. */
  previousDefault: number;
}

/**
 * Creates a version of `launchTemplate` from its current default with `imageId` as the AMI, and makes it the default.
 * Instances already running are not touched; `rollout` replaces them.
 */
export async function addLaunchTemplateVersion(deps: LaunchTemplateDeps, opts: AddLaunchTemplateVersionOptions): Promise<AddedLaunchTemplateVersion> {
  const retry = retryPolicy(deps.retry);
  const { ec2, signal } = deps;
  const template = await findLaunchTemplate(ec2, opts.launchTemplate, { policy: retry, signal });

  let version: number;
  try {
    // The client token makes the SDK's own retries (and ours) create one version, not two.
    const clientToken = randomUUID();
    const out = await withRetry(
      () =>
        ec2.send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateId: template.id,
            SourceVersion: String(template.defaultVersion),
            VersionDescription: opts.description.slice(0, MAX_DESCRIPTION),
            LaunchTemplateData: { ImageId: opts.imageId },
            ClientToken: clientToken,
          }),
          { abortSignal: signal },
        ),
      { policy: retry, signal },
    );
    if (out.LaunchTemplateVersion?.VersionNumber === undefined) throw new Error("EC2 returned no version number");
    version = out.LaunchTemplateVersion.VersionNumber;
  } catch (error) {
    throw awsFailure(`creating a version of the launch template ${template.name} (${template.id}) with ${opts.imageId}`, "ec2:CreateLaunchTemplateVersion", error);
  }

  try {
    await withRetry(() => ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: template.id, DefaultVersion: String(version) }), { abortSignal: signal }), {
      policy: retry,
      signal,
      retryOn: VERSION_NOT_YET_VISIBLE,
    });
  } catch (error) {
    const undo = await deleteVersion(ec2, template.id, version, retry);
    const doing = `making version ${version} the default of the launch template ${template.name} (${template.id})`;
    const base = awsFailure(doing, "ec2:ModifyLaunchTemplate", error);
    throw new RuntimeFailure(`${base.message}; the default is still version ${template.defaultVersion}`, {
      cause: error,
      details: undo
        ? [`the new version ${version} could not be deleted (${undo}): delete it by hand: aws ec2 delete-launch-template-versions --launch-template-id ${template.id} --versions ${version}`]
        : [`the new version ${version} was deleted again: nothing changed`],
    });
  }
  return { launchTemplateId: template.id, launchTemplateName: template.name, version, previousDefault: template.defaultVersion };
}

// Undoes the create. No abort signal: a cancelled run must still not leave a stray version. Returns why it failed, if it did.
async function deleteVersion(ec2: Ec2Sender, id: string, version: number, retry: RetryPolicy): Promise<string | undefined> {
  try {
    const out = await withRetry(() => ec2.send(new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: [String(version)] })), {
      policy: retry,
      retryOn: VERSION_NOT_YET_VISIBLE,
    });
    // This call reports a refused version in its answer, not as an error.
    const refused = out.UnsuccessfullyDeletedLaunchTemplateVersions?.[0]?.ResponseError;
    return refused ? `${refused.Code ?? "refused"}: ${refused.Message ?? ""}`.trim() : undefined;
  } catch (error) {
    return errorText(error);
  }
}
