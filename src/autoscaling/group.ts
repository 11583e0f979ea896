// An Auto Scaling group and the launch template it launches from (plain, or inside a mixed instances policy).
import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup, type LaunchTemplateSpecification } from "@aws-sdk/client-auto-scaling";
import { UsageError } from "../errors.js";
import { awsFailure } from "../image/targets/ec2/aws-error.js";
import { withRetry } from "../image/targets/ec2/retry.js";
import type { CallOptions } from "../ec2/launch-template/deps.js";
import type { AutoScalingSender } from "./deps.js";

/** Reads the group `name`; a group that does not exist is a usage error (the user named it). */
export async function describeGroup(autoscaling: AutoScalingSender, name: string, options: CallOptions): Promise<AutoScalingGroup> {
  let group: AutoScalingGroup | undefined;
  try {
    const out = await withRetry(() => autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }), { abortSignal: options.signal }), options);
    group = out.AutoScalingGroups?.[0];
  } catch (error) {
    throw awsFailure(`reading the Auto Scaling group ${name}`, "autoscaling:DescribeAutoScalingGroups", error);
  }
  if (!group) {
    throw new UsageError(`no Auto Scaling group ${name} in this account and region`, {
      details: ["the ones there: aws autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[].AutoScalingGroupName'"],
    });
  }
  return group;
}

/** The launch template a group launches from, and whether it sits in a mixed instances policy. */
export interface GroupTemplate {
  spec: LaunchTemplateSpecification;
  mixed: boolean;
}

/** The group's launch template; a group on a launch configuration cannot be refreshed to a template version. */
export function groupTemplate(group: AutoScalingGroup): GroupTemplate {
  if (group.LaunchTemplate) return { spec: group.LaunchTemplate, mixed: false };
  const mixed = group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (mixed) return { spec: mixed, mixed: true };
  throw new UsageError(`the Auto Scaling group ${group.AutoScalingGroupName} launches from ${group.LaunchConfigurationName ? `the launch configuration ${group.LaunchConfigurationName}` : "no launch template"}: a rollout needs a launch template`, {
    details: ["move the group to a launch template first (AWS: \"Migrate your Auto Scaling groups to launch templates\")"],
  });
}
