import { DescribeTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { IdentityError } from "../../src/errors.js";
import { defaultEc2Client, describeTagsOnce } from "../../src/identity/describe-tags.js";

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

/** An SDK service error as the EC2 client throws it: matched by name. */
function awsError(name: string, message: string, status = 400) {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: status } });
}

const client = () => new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } });

describe("describeTagsOnce", () => {
  it("reads every page through the paginator and filters on this instance", async () => {
    const tokens: (string | undefined)[] = [];
    ec2Mock.on(DescribeTagsCommand).callsFake((input: { NextToken?: string }) => {
      // The paginator reuses one input object: record each call's token as it is sent.
      tokens.push(input.NextToken);
      return input.NextToken === undefined
        ? page([tag("unibox:mode", "staging"), tag("Name", "billing-1")], "token-2")
        : page([tag("unibox:service", "billing"), tag("aws:autoscaling:groupName", "billing-asg")]);
    });

    const tags = await describeTagsOnce({ instanceId: ID, client: client() });
    expect(tags).toEqual({
      "unibox:mode": "staging",
      Name: "billing-1",
      "unibox:service": "billing",
      "aws:autoscaling:groupName": "billing-asg",
    });
    expect(Object.getPrototypeOf(tags)).toBeNull();
    const calls = ec2Mock.commandCalls(DescribeTagsCommand);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.args[0].input.Filters).toEqual([
        { Name: "resource-id", Values: [ID] },
        { Name: "resource-type", Values: ["instance"] },
      ]);
    }
    expect(tokens).toEqual([undefined, "token-2"]);
  });

  it("keeps tag keys named __proto__ and constructor as keys like any other", async () => {
    ec2Mock.on(DescribeTagsCommand).resolves(page([tag("__proto__", "p"), tag("constructor", "c")]));
    const tags = await describeTagsOnce({ instanceId: ID, client: client() });
    expect(Object.entries(tags)).toEqual([
      ["__proto__", "p"],
      ["constructor", "c"],
    ]);
  });

  it.each([
    {
      failure: "denied",
      error: awsError("UnauthorizedOperation", `You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/box/${ID} is not authorized to perform: ec2:DescribeTags`, 403),
      message: /DescribeTags on i-0123456789abcdef0 was denied \(UnauthorizedOperation: .*\); the instance role needs ec2:DescribeTags, or enable instance-metadata tags/,
    },
    {
      failure: "no credentials",
      error: Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
      message: /no AWS credentials for DescribeTags \(CredentialsProviderError: .*\); give the instance a role with ec2:DescribeTags/,
    },
    {
      failure: "throttled",
      error: awsError("RequestLimitExceeded", "Request limit exceeded.", 503),
      message: /DescribeTags on i-0123456789abcdef0 was throttled \(RequestLimitExceeded: Request limit exceeded\.\)/,
    },
    {
      failure: "anything else",
      error: awsError("InternalError", "An internal error has occurred", 500),
      message: /DescribeTags on i-0123456789abcdef0 failed \(InternalError: An internal error has occurred\)/,
    },
  ])("turns $failure into an identity error (exit 3) that says what to fix", async ({ error, message }) => {
    ec2Mock.on(DescribeTagsCommand).rejects(error);
    const thrown = (await describeTagsOnce({ instanceId: ID, client: client() }).catch((e: unknown) => e)) as IdentityError;
    expect(thrown).toBeInstanceOf(IdentityError);
    expect(thrown.exitCode).toBe(3);
    expect(thrown.message).toMatch(/^cannot read this instance's tags: /);
    expect(thrown.message).toMatch(message);
    expect(thrown.cause).toBe(error);
    expect(thrown.details.join("\n")).toMatch(/InstanceMetadataTags/);
  });

  it("fails the whole read when a later page fails, dropping what earlier pages gave", async () => {
    const throttled = awsError("RequestLimitExceeded", "Request limit exceeded.", 503);
    ec2Mock
      .on(DescribeTagsCommand)
      .resolvesOnce(page([tag("unibox:mode", "production")], "token-2"))
      .rejectsOnce(throttled);
    const thrown = (await describeTagsOnce({ instanceId: ID, client: client() }).catch((e: unknown) => e)) as IdentityError;
    expect(thrown).toBeInstanceOf(IdentityError);
    expect(thrown.cause).toBe(throttled);
    expect(ec2Mock.commandCalls(DescribeTagsCommand)).toHaveLength(2);
  });

  it("reads through a client of its own for the region when none is injected", async () => {
    ec2Mock.on(DescribeTagsCommand).resolves(page([tag("unibox:mode", "review"), tag("unibox:box", "b")]));
    const own = await defaultEc2Client("eu-west-1");
    const tags = await describeTagsOnce({ instanceId: ID, client: own });
    expect(tags).toEqual({ "unibox:mode": "review", "unibox:box": "b" });
    const calls = ec2Mock.commandCalls(DescribeTagsCommand);
    expect(calls).toHaveLength(1);
    expect(await (calls[0].thisValue as EC2Client).config.region()).toBe("eu-west-1");
  });
});
