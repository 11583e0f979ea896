import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ec2ReviewDown } from "../../../src/ec2/index.js";
import { RuntimeFailure, UsageError } from "../../../src/errors.js";
import { rejection, testDeps } from "../deps.js";
import { awsError, FakeBoxes, reviewBoxTags, tags } from "../fake-boxes.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

let fake: FakeBoxes;
beforeEach(() => {
  ec2Mock.reset();
  fake = new FakeBoxes(ec2Mock);
});

describe("review down on ec2", () => {
  it("terminates the review box unibox launched and reports it shutting down", async () => {
    const id = fake.seedInstance({ tags: reviewBoxTags("pr-42") });
    fake.seedInstance({ tags: reviewBoxTags("pr-43") });
    const [box, ...more] = await ec2ReviewDown(testDeps(), "pr-42");
    expect(more).toEqual([]);
    expect(fake.inputs("DescribeInstances")[0].Filters).toEqual([
      { Name: "tag:unibox:box", Values: ["pr-42"] },
      { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ]);
    expect(fake.inputs("TerminateInstances")).toEqual([{ InstanceIds: [id] }]);
    expect(box).toMatchObject({ name: "pr-42", target: "ec2", instanceId: id, state: "shutting-down", healthy: null });
  });

  it.each([
    ["a production instance named like the box", tags({ "unibox:mode": "production", "unibox:service": "api", "unibox:box": "pr-42", "unibox:managed-by": "unibox" }), /tagged unibox:mode=production/],
    ["a review-tagged instance unibox did not launch", tags({ "unibox:mode": "review", "unibox:box": "pr-42" }), /unibox did not launch it/],
    ["an instance without a mode", tags({ "unibox:box": "pr-42" }), /has no unibox:mode tag/],
    ["an Auto Scaling group's member", reviewBoxTags("pr-42", { "aws:autoscaling:groupName": "api-prod" }), /Auto Scaling group api-prod/],
  ])("refuses %s and terminates nothing", async (_, instanceTags, why) => {
    const id = fake.seedInstance({ tags: instanceTags });
    const error = await rejection(ec2ReviewDown(testDeps(), "pr-42"));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("refusing to terminate pr-42");
    expect(error.details[0]).toMatch(why);
    expect(error.details[0]).toContain(id);
    expect(fake.callNames()).not.toContain("TerminateInstances");
  });

  it("refuses all when one of two instances of that name is not ours", async () => {
    fake.seedInstance({ tags: reviewBoxTags("pr-42") });
    fake.seedInstance({ tags: tags({ "unibox:mode": "production", "unibox:service": "api", "unibox:box": "pr-42" }) });
    await expect(ec2ReviewDown(testDeps(), "pr-42")).rejects.toThrow(UsageError);
    expect(fake.callNames()).not.toContain("TerminateInstances");
  });

  it("says there is no such box, without terminating anything", async () => {
    fake.seedInstance({ state: "terminated", tags: reviewBoxTags("pr-42") });
    const error = await rejection(ec2ReviewDown(testDeps(), "pr-42"));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("no review box named pr-42");
    expect(fake.callNames()).toEqual(["DescribeInstances"]);
  });

  it("refuses an invalid name before any call", async () => {
    await expect(ec2ReviewDown(testDeps(), "*")).rejects.toThrow(UsageError);
    expect(fake.callNames()).toEqual([]);
  });

  it("says what to run by hand when EC2 refuses the terminate", async () => {
    const id = fake.seedInstance({ tags: reviewBoxTags("pr-42") });
    fake.failOn("TerminateInstances", awsError("OperationNotPermitted", "The instance may not be terminated. Modify its 'disableApiTermination' instance attribute"));
    const error = await rejection(ec2ReviewDown(testDeps(), "pr-42"));
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.message).toContain("OperationNotPermitted");
    expect(error.details).toContain(`by hand: aws ec2 terminate-instances --instance-ids ${id}`);
  });
});
