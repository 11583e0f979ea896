import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ec2ReviewReap } from "../../../src/ec2/index.js";
import { RuntimeFailure } from "../../../src/errors.js";
import { rejection, testDeps } from "../deps.js";
import { awsError, FakeBoxes, reviewBoxTags, tags } from "../fake-boxes.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

// NOW is 2025-06-02T10:00:00Z.
const PAST = "2025-06-02T09:59:59.000Z";
const FUTURE = "2025-06-02T10:00:01.000Z";

let fake: FakeBoxes;
beforeEach(() => {
  ec2Mock.reset();
  fake = new FakeBoxes(ec2Mock);
});

describe("review reap on ec2", () => {
  it("terminates the boxes past their expiry or max age and keeps the others", async () => {
    fake.pageSize = 2;
    const expired = fake.seedInstance({ tags: reviewBoxTags("expired", { "unibox:expires-at": PAST }) });
    const old = fake.seedInstance({ state: "stopped", tags: reviewBoxTags("old", { "unibox:expires-at": FUTURE, "unibox:max-age-at": PAST }) });
    fake.seedInstance({ tags: reviewBoxTags("fresh", { "unibox:expires-at": FUTURE }) });
    fake.seedInstance({ tags: reviewBoxTags("forever") });

    const report = await ec2ReviewReap(testDeps(), { dryRun: false });

    expect(fake.inputs("DescribeInstances")).toHaveLength(2);
    expect(fake.inputs("DescribeInstances")[0].Filters).toEqual([
      { Name: "tag:unibox:mode", Values: ["review"] },
      { Name: "tag:unibox:managed-by", Values: ["unibox"] },
      { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ]);
    expect(fake.inputs("TerminateInstances")).toEqual([{ InstanceIds: [expired] }, { InstanceIds: [old] }]);
    expect(report.reaped.map((b) => [b.name, b.state])).toEqual([
      ["expired", "shutting-down"],
      ["old", "shutting-down"],
    ]);
    expect(report.kept.map((b) => b.name)).toEqual(["fresh", "forever"]);
  });

  it("lists and terminates nothing on a dry run", async () => {
    fake.seedInstance({ tags: reviewBoxTags("expired", { "unibox:expires-at": PAST }) });
    const report = await ec2ReviewReap(testDeps(), { dryRun: true });
    expect(report.reaped.map((b) => [b.name, b.state])).toEqual([["expired", "running"]]);
    expect(fake.callNames()).toEqual(["DescribeInstances"]);
  });

  it("never terminates a production instance or a review instance unibox did not launch, even when the filters return them", async () => {
    fake.ignoreFilters = true;
    fake.seedInstance({ tags: tags({ "unibox:mode": "production", "unibox:service": "api", "unibox:managed-by": "unibox", "unibox:expires-at": PAST }) });
    fake.seedInstance({ tags: tags({ "unibox:mode": "review", "unibox:box": "theirs", "unibox:expires-at": PAST }) });
    fake.seedInstance({ tags: reviewBoxTags("in-asg", { "aws:autoscaling:groupName": "web", "unibox:expires-at": PAST }) });
    const ours = fake.seedInstance({ tags: reviewBoxTags("ours", { "unibox:expires-at": PAST }) });
    const lines: string[] = [];

    const report = await ec2ReviewReap(testDeps({ progress: (l) => lines.push(l) }), { dryRun: false });

    expect(fake.inputs("TerminateInstances")).toEqual([{ InstanceIds: [ours] }]);
    expect(report.reaped.map((b) => b.name)).toEqual(["ours"]);
    expect(report.kept).toEqual([]);
    expect(lines.filter((l) => l.startsWith("skipping"))).toHaveLength(3);
  });

  it("treats an expiry that is no time as no expiry", async () => {
    fake.seedInstance({ tags: reviewBoxTags("odd", { "unibox:expires-at": "soon" }) });
    const report = await ec2ReviewReap(testDeps(), { dryRun: false });
    expect(report.kept.map((b) => b.name)).toEqual(["odd"]);
    expect(fake.callNames()).not.toContain("TerminateInstances");
  });

  it("tries every expired box, then fails naming the ones left and what to run by hand", async () => {
    const stuck = fake.seedInstance({ tags: reviewBoxTags("stuck", { "unibox:expires-at": PAST }) });
    fake.seedInstance({ tags: reviewBoxTags("gone", { "unibox:expires-at": PAST }) });
    fake.failOn("TerminateInstances", awsError("OperationNotPermitted", "The instance may not be terminated."), { when: (i) => i.InstanceIds[0] === stuck });
    const error = await rejection(ec2ReviewReap(testDeps(), { dryRun: false }));
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.message).toContain("1 expired box could not be terminated");
    expect(error.details[0]).toContain(`aws ec2 terminate-instances --instance-ids ${stuck}`);
    expect(error.details).toContain(`reaped gone (${[...fake.instances.keys()][1]})`);
    expect(fake.inputs("TerminateInstances")).toHaveLength(2);
  });
});
