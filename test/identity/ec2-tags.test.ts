import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { IdentityError } from "../../src/errors.js";
import { readEc2Tags, type Ec2TagsOptions } from "../../src/identity/ec2-tags.js";
import { startImdsServer, type FakeImds } from "../helpers/imds-server.js";

const ID = "i-0123456789abcdef0";
const PRODUCTION = { "unibox:mode": "production", "unibox:service": "billing" };
const servers: FakeImds[] = [];
const ec2Mock = mockClient(EC2Client);
// A home without ~/.aws and an empty environment: the machine running the tests lends no credentials.
const home = mkdtempSync(join(tmpdir(), "unibox-home-"));
const isolated = { env: {}, homeDir: home };

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  ec2Mock.reset();
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function imds(options: Parameters<typeof startImdsServer>[0]): Promise<FakeImds> {
  const server = await startImdsServer(options);
  servers.push(server);
  return server;
}

function read(server: FakeImds, options: Partial<Ec2TagsOptions> & { waitMs: number }) {
  return readEc2Tags({ ...isolated, imds: { endpoint: server.url }, ...options });
}

/** A clock that moves only when the code under test sleeps. */
function fakeClock() {
  const sleeps: number[] = [];
  let t = 0;
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    t += ms;
  };
  return { sleeps, poll: { now: () => t, sleep } };
}

function page(tags: Record<string, string>, NextToken?: string) {
  return {
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value, ResourceId: ID, ResourceType: "instance" as const })),
    ...(NextToken ? { NextToken } : {}),
  };
}

function awsError(name: string, message: string, status = 400) {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: status } });
}

const tagReads = (server: FakeImds) => server.log.filter((r) => r.rawPath === "/latest/meta-data/tags/instance").length;

describe("readEc2Tags", () => {
  it("asks at 250 ms, doubling to at most 5 s, until the wait ends, and says how often", async () => {
    const server = await imds({ tags: null });
    const { sleeps, poll } = fakeClock();
    const error = (await read(server, { waitMs: 20_000, poll }).catch((e: unknown) => e)) as IdentityError;
    expect(sleeps).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 2250]);
    expect(tagReads(server)).toBe(9);
    expect(error.message).toMatch(/^waited 20 s for unibox:mode: instance metadata answered 404 for tags\/instance 9 times/);
  });

  it("returns the incomplete tags instance metadata lists when the wait ends, for the caller to fail closed", async () => {
    const server = await imds({ tags: { "unibox:mode": "production" }, role: "box-role" });
    const started = performance.now();
    const result = await read(server, { waitMs: 500, poll: { intervalMs: 100, backoff: 1 } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(500);
    expect(result).toEqual({ tags: { "unibox:mode": "production" }, facts: { instanceId: ID, privateIp: "10.0.1.23", source: "imds" } });
    // Instance-metadata tags are on: DescribeTags would list the same tags.
    expect(ec2Mock.commandCalls(DescribeTagsCommand)).toHaveLength(0);
  });

  it("does not try DescribeTags without a region, and says so", async () => {
    const server = await imds({ tags: null, role: "box-role", region: null });
    const error = (await read(server, { waitMs: 0 }).catch((e: unknown) => e)) as IdentityError;
    expect(error.message).toMatch(/DescribeTags: not tried, no region \(instance metadata has no placement\/region, AWS_REGION is unset\)/);
    expect(error.message).not.toMatch(/no credentials/);
    expect(ec2Mock.commandCalls(DescribeTagsCommand)).toHaveLength(0);
  });

  const denied = awsError("UnauthorizedOperation", "You are not authorized to perform this operation.", 403);
  const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
  const throttled = awsError("RequestLimitExceeded", "Request limit exceeded.", 503);

  it.each([
    {
      failure: "denied every time",
      replies: () => ec2Mock.on(DescribeTagsCommand).rejects(denied),
      cause: denied,
      message: /DescribeTags: failed 4 times, last: DescribeTags on i-0123456789abcdef0 was denied \(UnauthorizedOperation: .*\); the instance role needs ec2:DescribeTags/,
    },
    {
      failure: "no credentials every time",
      replies: () => ec2Mock.on(DescribeTagsCommand).rejects(noCredentials),
      cause: noCredentials,
      message: /DescribeTags: failed 4 times, last: no AWS credentials for DescribeTags \(CredentialsProviderError: /,
    },
    {
      failure: "a page, then an error on every next page (the first page alone is not used)",
      replies: () =>
        ec2Mock
          .on(DescribeTagsCommand)
          .resolves(page({ "unibox:mode": "production" }, "token-2"))
          .on(DescribeTagsCommand, { NextToken: "token-2" })
          .rejects(throttled),
      cause: throttled,
      message: /DescribeTags: failed 4 times, last: DescribeTags on i-0123456789abcdef0 was throttled/,
    },
  ])("fails closed after the wait when DescribeTags is $failure", async ({ replies, cause, message }) => {
    const server = await imds({ tags: null });
    replies();
    const { poll } = fakeClock();
    const ec2Client = new EC2Client({ region: "eu-west-1" });
    const error = (await read(server, { waitMs: 1000, poll, ec2Client }).catch((e: unknown) => e)) as IdentityError;
    expect(error).toBeInstanceOf(IdentityError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/^waited 1 s for unibox:mode: instance metadata answered 404 for tags\/instance 4 times/);
    expect(error.message).toMatch(message);
    expect(error.cause).toBe(cause);
    expect(error.details.join("\n")).toMatch(/InstanceMetadataTags/);
  });

  it.each([
    {
      failure: "throttled, then answers",
      replies: () => ec2Mock.on(DescribeTagsCommand).rejectsOnce(throttled).resolves(page(PRODUCTION)),
      calls: 2,
    },
    {
      failure: "answers a page, then fails on the next page, then answers both",
      replies: () =>
        ec2Mock
          .on(DescribeTagsCommand)
          .resolves(page({ "unibox:mode": "production" }, "token-2"))
          .on(DescribeTagsCommand, { NextToken: "token-2" })
          .rejectsOnce(throttled)
          .resolves(page({ "unibox:service": "billing" })),
      calls: 4,
    },
    {
      failure: "denied, then allowed (the role's policy propagated)",
      replies: () => ec2Mock.on(DescribeTagsCommand).rejectsOnce(denied).resolves(page(PRODUCTION)),
      calls: 2,
    },
  ])("asks DescribeTags again in the next round when it is $failure", async ({ replies, calls }) => {
    const server = await imds({ tags: null });
    replies();
    const { sleeps, poll } = fakeClock();
    const ec2Client = new EC2Client({ region: "eu-west-1" });
    const result = await read(server, { waitMs: 60_000, poll, ec2Client });
    expect(result).toEqual({ tags: PRODUCTION, facts: { instanceId: ID, privateIp: "10.0.1.23", source: "describe-tags" } });
    expect(sleeps).toEqual([250]);
    expect(ec2Mock.commandCalls(DescribeTagsCommand)).toHaveLength(calls);
  });
});
