// AMIs an Auto Scaling group launches: through its launch template (plain, mixed, or per-instance-type overrides,
// `$Default`/`$Latest` resolved to what they stand for now) or its launch configuration. Whatever the group is
// scaled to now, removing one would break its next scale-out.
import { DescribeAutoScalingGroupsCommand, DescribeLaunchConfigurationsCommand, type AutoScalingGroup, type LaunchTemplateSpecification } from "@aws-sdk/client-auto-scaling";
import { awsFailure } from "../../image/targets/ec2/aws-error.js";
import { allPages } from "../../image/targets/ec2/pages.js";
import { withRetry } from "../../image/targets/ec2/retry.js";
import { chunks } from "../../shared/chunks.js";
import { findVersion } from "../launch-template/versions.js";
import type { ResolvedPruneDeps } from "./deps.js";
import { addUse, type ImageUses } from "./uses.js";

/** Every launch template a group may launch from. */
export function groupTemplates(group: AutoScalingGroup): LaunchTemplateSpecification[] {
  const policy = group.MixedInstancesPolicy?.LaunchTemplate;
  return [group.LaunchTemplate, policy?.LaunchTemplateSpecification, ...(policy?.Overrides ?? []).map((o) => o.LaunchTemplateSpecification)].filter(
    (s): s is LaunchTemplateSpecification => Boolean(s?.LaunchTemplateId || s?.LaunchTemplateName),
  );
}

/** Adds to `uses` each AMI some Auto Scaling group of the account launches. */
export async function imagesOfAutoScalingGroups(deps: Pick<ResolvedPruneDeps, "ec2" | "autoscaling" | "retry" | "signal">, uses: ImageUses): Promise<void> {
  const { autoscaling, signal } = deps;
  const call = { policy: deps.retry, signal };
  let groups: AutoScalingGroup[];
  try {
    const pages = await allPages((token) =>
      withRetry(() => autoscaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 100, NextToken: token }), { abortSignal: signal }), call),
    );
    groups = pages.flatMap((p) => p.AutoScalingGroups ?? []);
  } catch (error) {
    throw awsFailure("listing the Auto Scaling groups", "autoscaling:DescribeAutoScalingGroups", error);
  }

  // Several groups often share a template version: each is asked about once.
  const resolved = new Map<string, Promise<{ imageId?: string; label: string } | undefined>>();
  for (const group of groups) {
    for (const spec of groupTemplates(group)) {
      const version = spec.Version ?? "$Default";
      const key = `${spec.LaunchTemplateId ?? spec.LaunchTemplateName}@${version}`;
      if (!resolved.has(key)) {
        resolved.set(
          key,
          findVersion(deps.ec2, { id: spec.LaunchTemplateId, name: spec.LaunchTemplateName }, version, call).then((v) =>
            // A template or version that no longer exists launches nothing: nothing to keep for it.
            v ? { imageId: v.imageId, label: `launch template ${v.launchTemplateName} version ${v.version}${/^\$/.test(version) ? ` (${version})` : ""}` } : undefined,
          ),
        );
      }
      const found = await resolved.get(key)!;
      if (found?.imageId) {
        addUse(uses, found.imageId, { resource: `asg:${group.AutoScalingGroupName}`, text: `the Auto Scaling group ${group.AutoScalingGroupName} launches it (${found.label})` });
      }
    }
  }

  const configurations = [...new Set(groups.flatMap((g) => (g.LaunchConfigurationName ? [g.LaunchConfigurationName] : [])))];
  if (!configurations.length) return;
  try {
    for (const slice of chunks(configurations, 50)) {
      const pages = await allPages((token) =>
        withRetry(() => autoscaling.send(new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: slice, NextToken: token }), { abortSignal: signal }), call),
      );
      for (const lc of pages.flatMap((p) => p.LaunchConfigurations ?? [])) {
        if (!lc.ImageId) continue;
        for (const group of groups.filter((g) => g.LaunchConfigurationName === lc.LaunchConfigurationName)) {
          addUse(uses, lc.ImageId, { resource: `asg:${group.AutoScalingGroupName}`, text: `the Auto Scaling group ${group.AutoScalingGroupName} launches it (launch configuration ${lc.LaunchConfigurationName})` });
        }
      }
    }
  } catch (error) {
    throw awsFailure("reading the groups' launch configurations", "autoscaling:DescribeLaunchConfigurations", error);
  }
}
