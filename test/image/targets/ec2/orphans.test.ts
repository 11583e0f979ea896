import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { cleanupOrphans } from "../../../../src/image/targets/ec2/index.js";
import { awsError, ec2Client, FakeEc2 } from "./fake-ec2.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

const NOW = new Date("2025-06-02T12:00:00.000Z");
const SIX_HOURS = 6 * 3600_000;
const TIMING = { pollMs: 1, cleanupTimeoutMs: 5000, retry: { attempts: 3, baseMs: 1, maxMs: 2 } };

const tags = (buildId: string, started: string, extra: { Key: string; Value: string }[] = []) => [
  { Key: "Name", Value: `unibox-build-${buildId}` },
  { Key: "unibox:build-id", Value: buildId },
  { Key: "unibox:build-started", Value: started },
  ...extra,
];
const SEALED = { Key: "unibox:sealed", Value: "true" };

let fake: FakeEc2;
let old: { instance: string; group: string; ami: string; amiSnapshots: string[]; loneSnapshot: string; volume: string };
let kept: string[];

beforeEach(() => {
  ec2Mock.reset();
  fake = new FakeEc2(ec2Mock, { states: ["running"], consoleRunning: "", consoleStopped: [""] });

  // A build killed with SIGKILL two days ago, in the middle of CreateImage; and one killed after CreateImage
  // whose AMI someone deregistered, leaving a snapshot; and a builder volume that outlived its instance.
  const killed = tags("ub-20250531T090000Z-aaaa", "2025-05-31T09:00:00.000Z");
  const group = fake.seedGroup({ tags: killed });
  const instance = fake.seedInstance({ tags: killed, groupIds: [group], state: "stopped" });
  const amiSnapshots = [{ tags: killed }, { tags: killed }];
  const ami = fake.seedImage({ name: "unibox-3f9a2c41d07b-ub-20250531T090000Z-aaaa", state: "pending", tags: killed }, amiSnapshots);
  const loneSnapshot = fake.seedSnapshot({ tags: tags("ub-20250530T080000Z-bbbb", "2025-05-30T08:00:00.000Z") });
  const volume = fake.seedVolume({ tags: killed, createTime: new Date("2025-05-31T09:01:00Z") });
  old = { instance, group, ami, amiSnapshots: fake.images.get(ami)!.snapshotIds, loneSnapshot, volume };

  // Kept: a sealed image of an old build with its snapshots; everything of a build started 10 minutes ago
  // (it may still be running); an instance no build made.
  const sealedTags = tags("ub-20250520T100000Z-cccc", "2025-05-20T10:00:00.000Z", [SEALED]);
  const sealed = fake.seedImage({ name: "unibox-aaaaaaaaaaaa-ub-20250520T100000Z-cccc", tags: sealedTags }, [{ tags: sealedTags }]);
  const running = tags("ub-20250602T115000Z-dddd", "2025-06-02T11:50:00.000Z");
  const youngGroup = fake.seedGroup({ tags: running });
  const youngInstance = fake.seedInstance({ tags: running, groupIds: [youngGroup], launchTime: new Date("2025-06-02T11:50:10Z") });
  const young = fake.seedImage({ name: "unibox-bbbbbbbbbbbb-ub-20250602T115000Z-dddd", state: "pending", tags: running }, [{ tags: running }]);
  const stranger = fake.seedInstance({ tags: [{ Key: "Name", Value: "bastion" }], launchTime: new Date("2024-01-01T00:00:00Z") });
  kept = [sealed, ...fake.images.get(sealed)!.snapshotIds, youngGroup, youngInstance, young, ...fake.images.get(young)!.snapshotIds, stranger];
});

describe("cleanupOrphans", () => {
  it("deletes what builds older than the bound left, and nothing younger, sealed or not a build's", async () => {
    const report = await cleanupOrphans(ec2Client(), { olderThanMs: SIX_HOURS, now: () => NOW, timing: TIMING });

    expect(report.failed).toEqual([]);
    expect(report.deleted.map((r) => [r.kind, r.name])).toEqual([
      ["instance", old.instance],
      ["ami", old.ami],
      ["snapshot", old.loneSnapshot],
      ["volume", old.volume],
      ["security-group", old.group],
    ]);
    expect(report.deleted[0].detail).toBe("build ub-20250531T090000Z-aaaa, started 2025-05-31T09:00:00.000Z");
    expect(new Set(fake.deleted)).toEqual(new Set([old.instance, old.ami, ...old.amiSnapshots, old.loneSnapshot, old.volume, old.group]));
    expect(fake.live().sort()).toEqual([...kept].sort());
    // Found by the build tag, never by listing everything.
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toEqual([
      { Name: "tag-key", Values: ["unibox:build-id"] },
      { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ]);
  });

  it("with dryRun lists the same resources and deletes none", async () => {
    const report = await cleanupOrphans(ec2Client(), { olderThanMs: SIX_HOURS, now: () => NOW, timing: TIMING, dryRun: true });
    expect(report.deleted.map((r) => r.name)).toEqual([old.instance, old.ami, old.loneSnapshot, old.volume, old.group]);
    expect(fake.deleted).toEqual([]);
    expect(fake.callNames().filter((n) => !n.startsWith("Describe"))).toEqual([]);
  });

  it("reports what it could not delete, with the command to do it by hand, and goes on with the rest", async () => {
    fake.failOn("DeregisterImage", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
    const report = await cleanupOrphans(ec2Client(), { olderThanMs: SIX_HOURS, now: () => NOW, timing: TIMING });
    expect(report.failed).toEqual([
      {
        resource: expect.objectContaining({ kind: "ami", name: old.ami }),
        error: `could not deregister ${old.ami}: UnauthorizedOperation: You are not authorized to perform this operation. (by hand: aws ec2 deregister-image --image-id ${old.ami}; aws ec2 delete-snapshot --snapshot-id ${old.amiSnapshots[0]}; aws ec2 delete-snapshot --snapshot-id ${old.amiSnapshots[1]})`,
      },
    ]);
    expect(report.deleted.map((r) => r.name)).toEqual([old.instance, old.loneSnapshot, old.volume, old.group]);
  });

  it("leaves everything when the bound is longer than any build's age", async () => {
    const report = await cleanupOrphans(ec2Client(), { olderThanMs: 365 * 24 * 3600_000, now: () => NOW, timing: TIMING });
    expect(report).toEqual({ deleted: [], failed: [] });
    expect(fake.deleted).toEqual([]);
  });
});
