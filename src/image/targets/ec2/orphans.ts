// The janitor (`unibox image build --cleanup-orphans`): what builds killed with SIGKILL left behind, found by
// the `unibox:build-id` tag every build resource carries, and deleted once older than a bound (a younger one
// may belong to a build still running). Sealed AMIs and their snapshots are the product, never touched.
import {
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type Tag,
} from "@aws-sdk/client-ec2";
import type { PlannedResource } from "../../types.js";
import { CleanupFailure } from "../../runner.js";
import { errorName, errorText } from "./aws-error.js";
import type { CleanupOptions } from "./cleanup-options.js";
import { deleteImageAndSnapshots } from "./delete-image.js";
import { deleteSecurityGroup } from "./delete-security-group.js";
import { deleteCommand } from "./manual.js";
import { BUILD_ID_TAG, BUILD_STARTED_TAG, SEALED_TAG, tagValue } from "./names.js";
import { allPages } from "./pages.js";
import { NOT_FOUND_AFTER_CREATE, withRetry } from "./retry.js";
import { DEFAULT_TIMING, type Ec2Sender, type Ec2Timing } from "./settings.js";
import { terminateInstance } from "./terminate-instance.js";

export interface OrphanOptions {
  /** Only what a build started longer ago than this is an orphan. */
  olderThanMs: number;
  /** List what would be deleted (in `deleted`), delete nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
  now?: () => Date;
  timing?: Partial<Ec2Timing>;
}

export interface OrphanReport {
  /** What was deleted (with `dryRun`: what would be). */
  deleted: PlannedResource[];
  failed: { resource: PlannedResource; error: string }[];
}

const BY_TAG = [{ Name: "tag-key", Values: [BUILD_ID_TAG] }];

/**
 * Finds what builds killed with SIGKILL left (every resource a build creates is tagged unibox:build-id),
 * older than `olderThanMs`, and deletes it: instances, security groups, AMIs not marked sealed, their snapshots.
 */
export async function cleanupOrphans(ec2: Ec2Sender, options: OrphanOptions): Promise<OrphanReport> {
  const timing: Ec2Timing = { ...DEFAULT_TIMING, ...options.timing, retry: { ...DEFAULT_TIMING.retry, ...options.timing?.retry } };
  const signal = options.signal;
  const now = (options.now ?? (() => new Date()))().getTime();
  const isOld = (tags: Tag[] | undefined, fallback?: Date | string) => {
    const started = Date.parse(tagValue(tags, BUILD_STARTED_TAG) ?? (fallback instanceof Date ? fallback.toISOString() : (fallback ?? "")));
    return !Number.isNaN(started) && now - started > options.olderThanMs;
  };
  const describe = <T extends { NextToken?: string }>(send: (token: string | undefined) => Promise<T>) =>
    allPages((token) => withRetry(() => send(token), { policy: timing.retry, signal }));
  const cleanup: CleanupOptions = { ec2, timing, signal };
  const report: OrphanReport = { deleted: [], failed: [] };
  const remove = async (resource: PlannedResource, del: () => Promise<unknown>) => {
    signal?.throwIfAborted();
    if (options.dryRun) return void report.deleted.push(resource);
    try {
      await del();
      report.deleted.push(resource);
    } catch (error) {
      const manual = error instanceof CleanupFailure && error.manual.length ? ` (by hand: ${error.manual.join("; ")})` : "";
      report.failed.push({ resource, error: `${error instanceof CleanupFailure ? error.message : errorText(error)}${manual}` });
    }
  };
  const detail = (tags: Tag[] | undefined) => `build ${tagValue(tags, BUILD_ID_TAG)}, started ${tagValue(tags, BUILD_STARTED_TAG) ?? "at an unknown time"}`;

  // Instances first: until they are gone, their security groups cannot be deleted.
  const instancePages = await describe((NextToken) =>
    ec2.send(new DescribeInstancesCommand({ Filters: [...BY_TAG, { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }], NextToken }), { abortSignal: signal }),
  );
  for (const instance of instancePages.flatMap((p) => (p.Reservations ?? []).flatMap((r) => r.Instances ?? []))) {
    if (!instance.InstanceId || !isOld(instance.Tags, instance.LaunchTime)) continue;
    await remove({ kind: "instance", name: instance.InstanceId, detail: detail(instance.Tags) }, () => terminateInstance(instance.InstanceId!, cleanup));
  }

  // AMIs: unsealed and old ones go with their snapshots; the snapshots of every other AMI are kept.
  const images = (await describe((NextToken) => ec2.send(new DescribeImagesCommand({ Owners: ["self"], Filters: BY_TAG, NextToken }), { abortSignal: signal }))).flatMap(
    (p) => p.Images ?? [],
  );
  const kept = new Set<string>();
  const handled = new Set<string>();
  for (const image of images) {
    const snapshots = (image.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId ?? "").filter(Boolean);
    if (!image.ImageId || tagValue(image.Tags, SEALED_TAG) === "true" || !isOld(image.Tags, image.CreationDate)) {
      for (const s of snapshots) kept.add(s);
      continue;
    }
    for (const s of snapshots) handled.add(s);
    await remove({ kind: "ami", name: image.ImageId, detail: `${detail(image.Tags)}; with ${snapshots.join(", ") || "no snapshot"}` }, () =>
      deleteImageAndSnapshots(image.ImageId, snapshots, cleanup),
    );
  }

  // Snapshots whose AMI is gone (or never registered).
  const snapshots = (await describe((NextToken) => ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: BY_TAG, NextToken }), { abortSignal: signal }))).flatMap(
    (p) => p.Snapshots ?? [],
  );
  for (const snapshot of snapshots) {
    const id = snapshot.SnapshotId;
    if (!id || kept.has(id) || handled.has(id) || tagValue(snapshot.Tags, SEALED_TAG) === "true" || !isOld(snapshot.Tags, snapshot.StartTime)) continue;
    await remove({ kind: "snapshot", name: id, detail: detail(snapshot.Tags) }, () => deleteOne(ec2, "snapshot", id, timing, signal));
  }

  // Volumes a builder left when its AMI did not delete them on termination.
  const volumes = (
    await describe((NextToken) =>
      ec2.send(new DescribeVolumesCommand({ Filters: [...BY_TAG, { Name: "status", Values: ["available"] }], NextToken }), { abortSignal: signal }),
    )
  ).flatMap((p) => p.Volumes ?? []);
  for (const volume of volumes) {
    if (!volume.VolumeId || !isOld(volume.Tags, volume.CreateTime)) continue;
    await remove({ kind: "volume", name: volume.VolumeId, detail: detail(volume.Tags) }, () => deleteOne(ec2, "volume", volume.VolumeId!, timing, signal));
  }

  // Security groups last; they have no creation time, so only the build-started tag can age them.
  const groups = (await describe((NextToken) => ec2.send(new DescribeSecurityGroupsCommand({ Filters: BY_TAG, NextToken }), { abortSignal: signal }))).flatMap(
    (p) => p.SecurityGroups ?? [],
  );
  for (const group of groups) {
    if (!group.GroupId || !isOld(group.Tags)) continue;
    await remove({ kind: "security-group", name: group.GroupId, detail: detail(group.Tags) }, () => deleteSecurityGroup(group.GroupId!, cleanup));
  }
  return report;
}

// A snapshot or volume: deleted, or a CleanupFailure with its command; one already gone counts as deleted.
async function deleteOne(ec2: Ec2Sender, kind: "snapshot" | "volume", id: string, timing: Ec2Timing, signal?: AbortSignal): Promise<void> {
  const send = () =>
    kind === "snapshot"
      ? ec2.send(new DeleteSnapshotCommand({ SnapshotId: id }), { abortSignal: signal })
      : ec2.send(new DeleteVolumeCommand({ VolumeId: id }), { abortSignal: signal });
  try {
    await withRetry(send, { policy: timing.retry, signal });
  } catch (error) {
    if ([NOT_FOUND_AFTER_CREATE.snapshot, "InvalidVolume.NotFound"].includes(errorName(error))) return;
    throw new CleanupFailure(`could not delete ${id}: ${errorText(error)}`, [deleteCommand(kind, id)], { cause: error });
  }
}
