import { DescribeTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { IdentityError } from "../../src/cli/errors.js";
import { describeInstanceTags } from "../../src/identity/describe-tags.js";

const ID = "i-0123456789abcdef0";
const ec2Mock = mockClient(EC2Client);

afterEach(() => {
  ec2Mock.reset();
});

function tag(Key: string, Value: string) {
  return { Key, Value, ResourceId: ID, ResourceType: "instance" as const };
}

function page(tags: ReturnType<typeof tag>[], NextToken?: string) {
  return { $metadata: { httpStatusCode: 200, requestId: "req-1" }, Tags: tags, ...(NextToken ? { NextToken } : {}) };
}

/** A clock that moves only when the code under test sleeps. */
function fakeClock() {
  const clock = { t: 0, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
}

const client = () => new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } });

describe("describeInstanceTags", () => {
  it("reads every page and filters on this instance", async () => {
    ec2Mock
      .on(DescribeTagsCommand)
      .resolves(page([tag("unibox:mode", "staging"), tag("Name", "billing-1")], "token-2"))
      .on(DescribeTagsCommand, { NextToken: "token-2" })
      .resolves(page([tag("unibox:service", "billing"), tag("aws:autoscaling:groupName", "billing-asg")]));

    const tags = await describeInstanceTags({ instanceId: ID, client: client(), waitMs: 0 });
    expect(tags).toEqual({
      "unibox:mode": "staging",
      Name: "billing-1",
      "unibox:service": "billing",
      "aws:autoscaling:groupName": "billing-asg",
    });
    const calls = ec2Mock.commandCalls(DescribeTagsCommand);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.args[0].input.Filters).toEqual([
        { Name: "resource-id", Values: [ID] },
        { Name: "resource-type", Values: ["instance"] },
      ]);
    }
    expect(calls[0].args[0].input.NextToken).toBeUndefined();
    expect(calls[1].args[0].input.NextToken).toBe("token-2");
  });

  it("polls until the required tags arrive", async () => {
    ec2Mock
      .on(DescribeTagsCommand)
      .resolvesOnce(page([]))
      .resolvesOnce(page([tag("unibox:mode", "review")]))
      .resolves(page([tag("unibox:mode", "review"), tag("unibox:box", "pr-7")]));
    const { clock, now, sleep } = fakeClock();
    const tags = await describeInstanceTags({ instanceId: ID, client: client(), waitMs: 60_000, pollMs: 2000, now, sleep });
    expect(tags).toEqual({ "unibox:mode": "review", "unibox:box": "pr-7" });
    expect(clock.sleeps).toEqual([2000, 2000]);
    expect(ec2Mock.commandCalls(DescribeTagsCommand)).toHaveLength(3);
  });

  it("returns incomplete tags when the wait is over", async () => {
    ec2Mock.on(DescribeTagsCommand).resolves(page([tag("unibox:mode", "production")]));
    const { clock, now, sleep } = fakeClock();
    const tags = await describeInstanceTags({ instanceId: ID, client: client(), waitMs: 2500, pollMs: 1000, now, sleep });
    expect(tags).toEqual({ "unibox:mode": "production" });
    expect(clock.sleeps).toEqual([1000, 1000, 500]);
    expect(ec2Mock.commandCalls(DescribeTagsCommand)).toHaveLength(4);
  });

  it("turns UnauthorizedOperation into an identity error (exit 3) that names ec2:DescribeTags", async () => {
    const denied = Object.assign(
      new Error(`You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/box/${ID} is not authorized to perform: ec2:DescribeTags`),
      { name: "UnauthorizedOperation", $fault: "client", $metadata: { httpStatusCode: 403 } },
    );
    ec2Mock.on(DescribeTagsCommand).rejects(denied);
    const error = await describeInstanceTags({ instanceId: ID, client: client(), waitMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdentityError);
    const identityError = error as IdentityError;
    expect(identityError.exitCode).toBe(3);
    expect(identityError.message).toMatch(/ec2:DescribeTags/);
    expect(identityError.message).toMatch(/UnauthorizedOperation/);
    expect(identityError.message).toMatch(/instance-metadata tags/);
    expect(identityError.cause).toBe(denied);
    expect(identityError.details.join("\n")).toMatch(/InstanceMetadataTags/);
  });

  it("turns missing credentials into an identity error that says the instance needs a role", async () => {
    const noCreds = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
    ec2Mock.on(DescribeTagsCommand).rejects(noCreds);
    const error = (await describeInstanceTags({ instanceId: ID, client: client(), waitMs: 0 }).catch((e: unknown) => e)) as IdentityError;
    expect(error).toBeInstanceOf(IdentityError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/no AWS credentials.*ec2:DescribeTags/);
    expect(error.cause).toBe(noCreds);
  });

  it("creates its own EC2 client for the region when none is injected", async () => {
    ec2Mock.on(DescribeTagsCommand).resolves(page([tag("unibox:mode", "review"), tag("unibox:box", "b")]));
    const tags = await describeInstanceTags({ instanceId: ID, region: "eu-west-1", waitMs: 0 });
    expect(tags).toEqual({ "unibox:mode": "review", "unibox:box": "b" });
    const calls = ec2Mock.commandCalls(DescribeTagsCommand);
    expect(calls).toHaveLength(1);
    expect(await (calls[0].thisValue as EC2Client).config.region()).toBe("eu-west-1");
  });
});
