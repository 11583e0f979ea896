// Finding a build's resources by its `unibox:build-id` tag: when a create's response was lost, the cleanup
// still finds what the create made (tags given in TagSpecifications are applied atomically with it).
import { DescribeImagesCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { CleanupFailure } from "../../runner.js";
import { errorText } from "./aws-error.js";
import { findCommand } from "./manual.js";
import { BUILD_ID_TAG } from "./names.js";
import { allPages } from "./pages.js";
import { withRetry, type RetryPolicy } from "./retry.js";
import type { Ec2Sender } from "./settings.js";

const byBuild = (buildId: string) => [{ Name: `tag:${BUILD_ID_TAG}`, Values: [buildId] }];

/** Instances of the build not yet terminated. */
export async function instancesOfBuild(ec2: Ec2Sender, buildId: string, policy: RetryPolicy): Promise<string[]> {
  const filters = [...byBuild(buildId), { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped", "shutting-down"] }];
  const pages = await allPages((NextToken) => withRetry(() => ec2.send(new DescribeInstancesCommand({ Filters: filters, NextToken })), { policy }));
  return pages.flatMap((p) => (p.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId ?? ""))).filter(Boolean);
}

/** Security groups of the build. */
export async function groupsOfBuild(ec2: Ec2Sender, buildId: string, policy: RetryPolicy): Promise<string[]> {
  const pages = await allPages((NextToken) => withRetry(() => ec2.send(new DescribeSecurityGroupsCommand({ Filters: byBuild(buildId), NextToken })), { policy }));
  return pages.flatMap((p) => (p.SecurityGroups ?? []).map((g) => g.GroupId ?? "")).filter(Boolean);
}

/** AMIs of the build, owned by this account. */
export async function imagesOfBuild(ec2: Ec2Sender, buildId: string, policy: RetryPolicy): Promise<string[]> {
  const pages = await allPages((NextToken) => withRetry(() => ec2.send(new DescribeImagesCommand({ Owners: ["self"], Filters: byBuild(buildId), NextToken })), { policy }));
  return pages.flatMap((p) => (p.Images ?? []).map((i) => i.ImageId ?? "")).filter(Boolean);
}

/** Snapshots of the build, owned by this account: found even when their AMI is gone. */
export async function snapshotsOfBuild(ec2: Ec2Sender, buildId: string, policy: RetryPolicy): Promise<string[]> {
  const pages = await allPages((NextToken) => withRetry(() => ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: byBuild(buildId), NextToken })), { policy }));
  return pages.flatMap((p) => (p.Snapshots ?? []).map((s) => s.SnapshotId ?? "")).filter(Boolean);
}

/** For a cleanup: the ids `find` returns, or a CleanupFailure telling the user how to list them by hand. */
export async function lookupForCleanup(kind: "instance" | "security-group" | "ami", buildId: string, find: () => Promise<string[]>): Promise<string[]> {
  try {
    return await find();
  } catch (error) {
    throw new CleanupFailure(`could not look for the ${kind} this build may have created: ${errorText(error)}`, [findCommand(kind, buildId)], { cause: error });
  }
}
