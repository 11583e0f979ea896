import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeLaunchConfigurationsCommand } from "@aws-sdk/client-auto-scaling";
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageReferencesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  type Image,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { RuntimeFailure, UsageError } from "../../../src/errors.js";
import { ec2ImagePrune, type PruneDeps } from "../../../src/ec2/prune/index.js";
import { autoScalingClient, callNames, FAST_RETRY } from "../../autoscaling/fake-autoscaling.js";
import { awsError, ec2Client } from "../../image/targets/ec2/fake-ec2.js";

const ec2Mock = mockClient(EC2Client);
const asgMock = mockClient(AutoScalingClient);
afterAll(() => {
  ec2Mock.restore();
  asgMock.restore();
});

const LT = "lt-0a1b2c3d4e5f60718";
const LT_WORKER = "lt-0b2c3d4e5f6071829";

// Newest first: what each AMI is for this scenario.
const AMIS = {
  newest: "ami-00000000000000a01",
  second: "ami-00000000000000a02",
  onInstance: "ami-00000000000000a03",
  groupDefault: "ami-00000000000000a04",
  groupOverride: "ami-00000000000000a05",
  referenced: "ami-00000000000000a06",
  promoted: "ami-00000000000000a07",
  launchConfig: "ami-00000000000000a08",
  unused1: "ami-00000000000000a09",
  unused2: "ami-00000000000000a10",
};
const snapshotsOf = (ami: string, n: number) => Array.from({ length: n }, (_, i) => `snap-${ami.slice(-3)}000000000000${i}`);

function image(ami: string, index: number, extraTags: { Key: string; Value: string }[] = [], snapshots = 1): Image {
  return {
    ImageId: ami,
    Name: `unibox-3f9a2c41d07b-ub-${index}`,
    State: "available",
    CreationDate: new Date(Date.parse("2025-06-10T10:00:00.000Z") - index * 86_400_000).toISOString(),
    Tags: [{ Key: "unibox:fingerprint", Value: "3f9a2c41d07b".padEnd(64, "0") }, { Key: "unibox:sealed", Value: "true" }, ...extraTags],
    BlockDeviceMappings: [
      ...snapshotsOf(ami, snapshots).map((s, i) => ({ DeviceName: i === 0 ? "/dev/xvda" : `/dev/xvd${"bcd"[i - 1]}`, Ebs: { SnapshotId: s, VolumeSize: 8 } })),
      { DeviceName: "/dev/sdb", VirtualName: "ephemeral0" },
    ],
  };
}

let images: Image[];
let lines: string[];
const deps = (extra: Partial<PruneDeps> = {}): PruneDeps => ({
  ec2: ec2Client(),
  autoscaling: autoScalingClient(),
  progress: (line) => lines.push(line),
  retry: FAST_RETRY,
  pollMs: 1,
  snapshotTimeoutMs: 2000,
  ...extra,
});
const OPTS = { keep: 2, dryRun: false, includePromoted: false };
const mutating = () => [...callNames(ec2Mock), ...callNames(asgMock)].filter((n) => !n.startsWith("Describe"));

beforeEach(() => {
  ec2Mock.reset();
  asgMock.reset();
  lines = [];
  const ids = Object.values(AMIS);
  // Listed out of order, over two pages: the prune sorts by CreationDate.
  images = ids.map((ami, i) => image(ami, i, ami === AMIS.promoted ? [{ Key: "unibox:promoted-from-box", Value: "pr-41" }] : [], ami === AMIS.unused1 ? 2 : 1));
  const shuffled = [images[3], images[9], images[0], images[6], images[1], images[8], images[2], images[5], images[4], images[7]];
  ec2Mock.on(DescribeImagesCommand).callsFake((input: { NextToken?: string }) =>
    input.NextToken === "images-2" ? { Images: shuffled.slice(5) } : { Images: shuffled.slice(0, 5), NextToken: "images-2" },
  );
  ec2Mock.on(DescribeInstancesCommand).resolves({
    Reservations: [{ Instances: [{ InstanceId: "i-0123456789abcdef0", ImageId: AMIS.onInstance, State: { Name: "stopped", Code: 80 } }] }],
  });
  asgMock.on(DescribeAutoScalingGroupsCommand).callsFake((input: { NextToken?: string }) =>
    input.NextToken === "groups-2"
      ? {
          AutoScalingGroups: [
            {
              AutoScalingGroupName: "worker",
              MixedInstancesPolicy: {
                LaunchTemplate: {
                  LaunchTemplateSpecification: { LaunchTemplateId: LT, Version: "$Default" },
                  Overrides: [{ InstanceType: "c7g.large", LaunchTemplateSpecification: { LaunchTemplateId: LT_WORKER, Version: "3" } }],
                },
              },
            },
            { AutoScalingGroupName: "legacy", LaunchConfigurationName: "legacy-2024" },
          ],
        }
      : { AutoScalingGroups: [{ AutoScalingGroupName: "api-web", LaunchTemplate: { LaunchTemplateId: LT, LaunchTemplateName: "api-web", Version: "$Default" } }], NextToken: "groups-2" },
  );
  ec2Mock.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: { LaunchTemplateId: string; Versions: string[] }) => {
    const byTemplate: Record<string, { n: number; ami: string }> = { [LT]: { n: 12, ami: AMIS.groupDefault }, [LT_WORKER]: { n: 3, ami: AMIS.groupOverride } };
    const v = byTemplate[input.LaunchTemplateId];
    return { LaunchTemplateVersions: [{ LaunchTemplateId: input.LaunchTemplateId, LaunchTemplateName: "x", VersionNumber: v.n, LaunchTemplateData: { ImageId: v.ami } }] };
  });
  asgMock.on(DescribeLaunchConfigurationsCommand).resolves({
    LaunchConfigurations: [{ LaunchConfigurationName: "legacy-2024", ImageId: AMIS.launchConfig, InstanceType: "t3.small", CreatedTime: new Date("2024-01-01T00:00:00Z") }],
  });
  ec2Mock.on(DescribeImageReferencesCommand).callsFake((input: { ImageIds: string[]; NextToken?: string }) => {
    if (input.NextToken) return { ImageReferences: [] };
    const refs = [
      { ImageId: AMIS.referenced, ResourceType: "ssm:Parameter" as const, Arn: "arn:aws:ssm:eu-west-1:123456789012:parameter/unibox/api/ami" },
      { ImageId: AMIS.onInstance, ResourceType: "ec2:Instance" as const, Arn: "arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0" },
    ].filter((r) => input.ImageIds.includes(r.ImageId));
    return { ImageReferences: refs, NextToken: "refs-2" };
  });
  ec2Mock.on(DeregisterImageCommand).resolves({ Return: true });
  ec2Mock.on(DeleteSnapshotCommand).resolves({});
});

describe("ec2ImagePrune", () => {
  it("keeps the newest, every AMI in use and the promoted ones, and removes the rest with their snapshots", async () => {
    const result = await ec2ImagePrune(deps(), OPTS);

    expect(result.kept.map((k) => [k.imageId, k.reason])).toEqual([
      [AMIS.newest, "one of the newest 2"],
      [AMIS.second, "one of the newest 2"],
      [AMIS.onInstance, "in use: instance i-0123456789abcdef0 (stopped) runs it"],
      [AMIS.groupDefault, "in use: the Auto Scaling group api-web launches it (launch template x version 12 ($Default)); the Auto Scaling group worker launches it (launch template x version 12 ($Default))"],
      [AMIS.groupOverride, "in use: the Auto Scaling group worker launches it (launch template x version 3)"],
      [AMIS.referenced, "in use: ssm:Parameter arn:aws:ssm:eu-west-1:123456789012:parameter/unibox/api/ami references it"],
      [AMIS.promoted, "promoted from the box pr-41: promoted AMIs are pruned only when included"],
      [AMIS.launchConfig, "in use: the Auto Scaling group legacy launches it (launch configuration legacy-2024)"],
    ]);
    expect(result.removed).toEqual([
      { imageId: AMIS.unused1, created: images[8].CreationDate, snapshots: snapshotsOf(AMIS.unused1, 2) },
      { imageId: AMIS.unused2, created: images[9].CreationDate, snapshots: snapshotsOf(AMIS.unused2, 1) },
    ]);
    expect(result.failed).toEqual([]);
    expect(ec2Mock.commandCalls(DeregisterImageCommand).map((c) => c.args[0].input)).toEqual([{ ImageId: AMIS.unused1 }, { ImageId: AMIS.unused2 }]);
    expect(ec2Mock.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId)).toEqual([...snapshotsOf(AMIS.unused1, 2), ...snapshotsOf(AMIS.unused2, 1)]);
    // Each snapshot deleted after its AMI is deregistered.
    expect(mutating()).toEqual(["DeregisterImage", "DeleteSnapshot", "DeleteSnapshot", "DeregisterImage", "DeleteSnapshot"]);
  });

  it("finds unibox AMIs by their tag, over every page", async () => {
    await ec2ImagePrune(deps(), OPTS);
    expect(ec2Mock.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input)).toEqual([
      { Owners: ["self"], Filters: [{ Name: "tag-key", Values: ["unibox:fingerprint"] }], NextToken: undefined },
      { Owners: ["self"], Filters: [{ Name: "tag-key", Values: ["unibox:fingerprint"] }], NextToken: "images-2" },
    ]);
    expect(asgMock.commandCalls(DescribeAutoScalingGroupsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, "groups-2"]);
  });

  it("asks about the candidates only, instances that are not terminated, and every resource type", async () => {
    await ec2ImagePrune(deps(), OPTS);
    const candidates = [AMIS.onInstance, AMIS.groupDefault, AMIS.groupOverride, AMIS.referenced, AMIS.launchConfig, AMIS.unused1, AMIS.unused2];
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toEqual([
      { Name: "image-id", Values: candidates },
      { Name: "instance-state-name", Values: ["pending", "running", "shutting-down", "stopping", "stopped"] },
    ]);
    expect(ec2Mock.commandCalls(DescribeImageReferencesCommand).map((c) => c.args[0].input)).toEqual([
      {
        ImageIds: candidates,
        IncludeAllResourceTypes: true,
        ResourceTypes: [{ ResourceType: "ec2:Instance", ResourceTypeOptions: [{ OptionName: "state-name", OptionValues: ["pending", "running", "shutting-down", "stopping", "stopped"] }] }],
        NextToken: undefined,
      },
      expect.objectContaining({ NextToken: "refs-2" }),
    ]);
    // One question per template version, whichever groups share it.
    expect(ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { LaunchTemplateId: LT, Versions: ["$Default"] },
      { LaunchTemplateId: LT_WORKER, Versions: ["3"] },
    ]);
  });

  it("asks DescribeImageReferences about 10 AMIs at a time", async () => {
    const many = Array.from({ length: 12 }, (_, i) => image(`ami-0000000000000b${String(i).padStart(3, "0")}`, i));
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: many });
    await ec2ImagePrune(deps(), { ...OPTS, keep: 0 });
    expect(ec2Mock.commandCalls(DescribeImageReferencesCommand).filter((c) => !c.args[0].input.NextToken).map((c) => c.args[0].input.ImageIds?.length)).toEqual([10, 2]);
  });

  it("removes an unused promoted AMI when promoted ones are included", async () => {
    const result = await ec2ImagePrune(deps(), { ...OPTS, includePromoted: true });
    expect(result.removed.map((r) => r.imageId)).toEqual([AMIS.promoted, AMIS.unused1, AMIS.unused2]);
  });

  it("with dryRun says what it would remove and removes nothing", async () => {
    const result = await ec2ImagePrune(deps(), { ...OPTS, dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.removed.map((r) => [r.imageId, r.snapshots])).toEqual([
      [AMIS.unused1, snapshotsOf(AMIS.unused1, 2)],
      [AMIS.unused2, snapshotsOf(AMIS.unused2, 1)],
    ]);
    expect(mutating()).toEqual([]);
  });

  it("reports a snapshot it cannot delete with the command to delete it by hand, and goes on", async () => {
    const [stuck, fine] = snapshotsOf(AMIS.unused1, 2);
    ec2Mock.on(DeleteSnapshotCommand, { SnapshotId: stuck }).rejects(awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
    const result = await ec2ImagePrune(deps(), OPTS);
    expect(result.removed).toEqual([
      { imageId: AMIS.unused1, created: images[8].CreationDate, snapshots: [fine] },
      { imageId: AMIS.unused2, created: images[9].CreationDate, snapshots: snapshotsOf(AMIS.unused2, 1) },
    ]);
    expect(result.failed).toEqual([
      { resource: stuck, error: "UnauthorizedOperation: You are not authorized to perform this operation.", deleteByHand: [`aws ec2 delete-snapshot --snapshot-id ${stuck}`] },
    ]);
  });

  it("tries a snapshot again while EC2 still holds it just after the deregistration", async () => {
    const [first] = snapshotsOf(AMIS.unused1, 2);
    ec2Mock
      .on(DeleteSnapshotCommand, { SnapshotId: first })
      .rejectsOnce(awsError("InvalidSnapshot.InUse", `The snapshot ${first} is currently in use by ${AMIS.unused1}`))
      .resolves({});
    const result = await ec2ImagePrune(deps(), OPTS);
    expect(result.failed).toEqual([]);
    expect(ec2Mock.commandCalls(DeleteSnapshotCommand, { SnapshotId: first })).toHaveLength(2);
  });

  it("leaves the snapshots of an AMI it cannot deregister, and says how to remove both", async () => {
    ec2Mock.on(DeregisterImageCommand, { ImageId: AMIS.unused1 }).rejects(awsError("OperationNotPermitted", "The image has deregistration protection enabled."));
    const result = await ec2ImagePrune(deps(), OPTS);
    expect(result.removed.map((r) => r.imageId)).toEqual([AMIS.unused2]);
    expect(result.failed).toEqual([
      {
        resource: AMIS.unused1,
        error: "OperationNotPermitted: The image has deregistration protection enabled.",
        deleteByHand: [`aws ec2 deregister-image --image-id ${AMIS.unused1}`, ...snapshotsOf(AMIS.unused1, 2).map((s) => `aws ec2 delete-snapshot --snapshot-id ${s}`)],
      },
    ]);
    expect(ec2Mock.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId)).toEqual(snapshotsOf(AMIS.unused2, 1));
  });

  it.each([
    { check: "DescribeInstances", fail: () => ec2Mock.on(DescribeInstancesCommand).rejects(awsError("UnauthorizedOperation", "not authorized")) },
    { check: "DescribeAutoScalingGroups", fail: () => asgMock.on(DescribeAutoScalingGroupsCommand).rejects(awsError("AccessDenied", "not authorized")) },
    { check: "DescribeLaunchTemplateVersions", fail: () => ec2Mock.on(DescribeLaunchTemplateVersionsCommand).rejects(awsError("UnauthorizedOperation", "not authorized")) },
    { check: "DescribeLaunchConfigurations", fail: () => asgMock.on(DescribeLaunchConfigurationsCommand).rejects(awsError("AccessDenied", "not authorized")) },
    { check: "DescribeImageReferences", fail: () => ec2Mock.on(DescribeImageReferencesCommand).rejects(awsError("UnauthorizedOperation", "not authorized")) },
  ])("removes nothing when $check fails, since an AMI in use could be among them", async ({ fail }) => {
    fail();
    const error = (await ec2ImagePrune(deps(), OPTS).catch((e: unknown) => e)) as RuntimeFailure;
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.message).toMatch(/: nothing was removed, since an AMI in use must not be$/);
    expect(mutating()).toEqual([]);
  });

  it("keeps a pending AMI whatever its age, and skips a launch template that no longer exists", async () => {
    images[9].State = "pending";
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: LT_WORKER }).rejects(awsError("InvalidLaunchTemplateId.NotFound", "The specified launch template does not exist."));
    const result = await ec2ImagePrune(deps(), OPTS);
    expect(result.kept.find((k) => k.imageId === AMIS.unused2)?.reason).toBe("still pending: a build may be making it");
    expect(result.removed.map((r) => r.imageId)).toEqual([AMIS.groupOverride, AMIS.unused1]);
  });

  it("asks nothing more when every AMI is among the newest", async () => {
    await ec2ImagePrune(deps(), { ...OPTS, keep: 10 });
    expect(callNames(ec2Mock)).toEqual(["DescribeImages", "DescribeImages"]);
    expect(callNames(asgMock)).toEqual([]);
  });

  it.each([-1, 1.5, Number.NaN])("refuses to keep %s AMIs", async (keep) => {
    await expect(ec2ImagePrune(deps(), { ...OPTS, keep })).rejects.toThrow(UsageError);
    expect(callNames(ec2Mock)).toEqual([]);
  });
});
