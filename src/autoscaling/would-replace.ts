// The dry run of a rollout: which of the group's instances the refresh would replace. With SkipMatching, those
// already launched from the desired template version stay; every other one is replaced.
import type { AutoScalingGroup } from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { awsFailure } from "../image/targets/ec2/aws-error.js";
import { allPages } from "../image/targets/ec2/pages.js";
import { withRetry } from "../image/targets/ec2/retry.js";
import { chunks } from "../shared/chunks.js";
import type { ResolvedRolloutDeps } from "./deps.js";

/** EC2 takes at most 200 values a filter. */
const MAX_FILTER_VALUES = 200;

/** EC2 tags every instance launched from a launch template with the concrete version it used. */
const VERSION_TAG = "aws:ec2launchtemplate:version";

/** The ids of the group's instances not on `desired` (id or name, and version number), in the group's order. */
export async function instancesToReplace(
  deps: Pick<ResolvedRolloutDeps, "ec2" | "retry" | "signal">,
  group: AutoScalingGroup,
  desired: { id: string; name: string; version: number },
): Promise<string[]> {
  const replaced = new Set<string>();
  // Auto Scaling reports the version as the group named it; an instance of a `$Default`/`$Latest` group shows
  // the alias, so its real version is read from the EC2 tag.
  const aliased: string[] = [];
  const instances = group.Instances ?? [];
  for (const instance of instances) {
    const lt = instance.LaunchTemplate;
    const sameTemplate = lt && (lt.LaunchTemplateId ? lt.LaunchTemplateId === desired.id : lt.LaunchTemplateName === desired.name);
    if (!sameTemplate) replaced.add(instance.InstanceId!);
    else if (lt.Version && /^[0-9]+$/.test(lt.Version)) {
      if (Number(lt.Version) !== desired.version) replaced.add(instance.InstanceId!);
    } else aliased.push(instance.InstanceId!);
  }
  if (aliased.length) {
    const versions = await launchedVersions(deps, aliased);
    for (const id of aliased) if (versions.get(id) !== String(desired.version)) replaced.add(id);
  }
  return instances.map((i) => i.InstanceId!).filter((id) => replaced.has(id));
}

// The concrete launch-template version of each instance, from its tag; instances without the tag are left out.
async function launchedVersions(deps: Pick<ResolvedRolloutDeps, "ec2" | "retry" | "signal">, ids: string[]): Promise<Map<string, string>> {
  const { ec2, signal } = deps;
  try {
    const pages = [];
    for (const slice of chunks(ids, MAX_FILTER_VALUES)) {
      pages.push(
        ...(await allPages((token) =>
          withRetry(() => ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: slice }], NextToken: token }), { abortSignal: signal }), {
            policy: deps.retry,
            signal,
          }),
        )),
      );
    }
    const versions = new Map<string, string>();
    for (const instance of pages.flatMap((p) => p.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const version = instance.Tags?.find((t) => t.Key === VERSION_TAG)?.Value;
      if (instance.InstanceId && version) versions.set(instance.InstanceId, version);
    }
    return versions;
  } catch (error) {
    throw awsFailure("reading which launch template version the group's instances run", "ec2:DescribeInstances", error);
  }
}
