import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ec2ReviewUp } from "../../../src/ec2/index.js";
import type { Ec2ReviewUpOptions } from "../../../src/ec2/review/run-input.js";
import { RuntimeFailure, UnhealthyError, UsageError } from "../../../src/errors.js";
import { rejection, testDeps } from "../deps.js";
import { awsError, FakeBoxes, reviewBoxTags, tags } from "../fake-boxes.js";
import { closedPort, startHealthServer, type HealthServer } from "../health-server.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

let fake: FakeBoxes;
let health: HealthServer;
let newest: string;
beforeEach(async () => {
  ec2Mock.reset();
  fake = new FakeBoxes(ec2Mock);
  fake.seedImage({ creationDate: "2025-05-01T00:00:00.000Z", tags: tags({ "unibox:sealed": "true" }) });
  newest = fake.seedImage({ creationDate: "2025-06-01T00:00:00.000Z", tags: tags({ "unibox:sealed": "true" }) });
  fake.seedImage({ creationDate: "2025-05-15T00:00:00.000Z", tags: tags({ "unibox:sealed": "true" }) });
  health = await startHealthServer(200);
});
afterEach(() => health.close());

function up(options: Partial<Ec2ReviewUpOptions> = {}, deps = testDeps()) {
  return ec2ReviewUp(deps, { name: "pr-42", refs: { api: "feature/login" }, ttlMs: 8 * 3_600_000, statusPort: health.port, ...options });
}

/** Every instance the test launched is terminated (or was never there). */
function expectNothingLeft() {
  expect(fake.leftOver()).toEqual([]);
}

describe("review up on ec2", () => {
  it("launches the newest sealed AMI, waits for running and a healthy /health, and reports the box", async () => {
    const lines: string[] = [];
    const box = await up({}, testDeps({ progress: (l) => lines.push(l) }));

    expect(fake.callNames()).toEqual(["DescribeInstances", "DescribeImages", "RunInstances", "DescribeInstances", "DescribeInstances"]);
    const [lookup] = fake.inputs("DescribeInstances");
    expect(lookup.Filters).toEqual([
      { Name: "tag:unibox:box", Values: ["pr-42"] },
      { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ]);
    expect(fake.inputs("DescribeImages")[0]).toMatchObject({
      Owners: ["self"],
      Filters: [
        { Name: "tag:unibox:sealed", Values: ["true"] },
        { Name: "state", Values: ["available"] },
      ],
    });
    const [run] = fake.inputs("RunInstances");
    expect(run).toMatchObject({ ImageId: newest, MinCount: 1, MaxCount: 1, MetadataOptions: { InstanceMetadataTags: "enabled", HttpTokens: "required" } });
    expect(run.TagSpecifications.map((t: { ResourceType: string }) => t.ResourceType)).toEqual(["instance", "volume"]);
    expect(run.TagSpecifications[0].Tags).toEqual(
      expect.arrayContaining([
        { Key: "unibox:mode", Value: "review" },
        { Key: "unibox:managed-by", Value: "unibox" },
        { Key: "unibox:ref.api", Value: "feature/login" },
        { Key: "unibox:expires-at", Value: "2025-06-02T18:00:00.000Z" },
      ]),
    );
    expect(health.asks).toBe(1);
    const instanceId = fake.created[0];
    expect(box).toEqual({
      name: "pr-42",
      target: "ec2",
      url: "http://127.0.0.1:8080/",
      image: newest,
      refs: { api: { ref: "feature/login" } },
      createdAt: "2025-06-02T10:00:00.000Z",
      expiresAt: "2025-06-02T18:00:00.000Z",
      lastActivity: "2025-06-02T10:00:00.000Z",
      healthy: true,
      state: "running",
      instanceId,
    });
    expect(fake.deleted).toEqual([]);
    expect(lines.join("\n")).toContain(`${instanceId} running at 127.0.0.1`);
  });

  it("launches the AMI it is given without looking for one, and reports the public address and the entry's port", async () => {
    // The private address is not reachable from here: health and URL must use the public one.
    fake.launchIp = "10.0.7.21";
    fake.launchPublicIp = "127.0.0.1";
    const box = await up({ image: "ami-0feedfacefeedface", urlPort: 3000 });
    expect(fake.callNames()).not.toContain("DescribeImages");
    expect(fake.inputs("RunInstances")[0].ImageId).toBe("ami-0feedfacefeedface");
    expect(box.image).toBe("ami-0feedfacefeedface");
    expect(box.url).toBe("http://127.0.0.1:3000/");
  });

  it("keeps asking /health until it answers 200", async () => {
    health.status = (ask) => (ask < 3 ? 503 : 200);
    const box = await up();
    expect(box.healthy).toBe(true);
    expect(health.asks).toBe(3);
  });

  it.each([
    ["running", "production instance", tags({ "unibox:mode": "production", "unibox:service": "api", "unibox:box": "pr-42" })],
    ["stopped", "review box", reviewBoxTags("pr-42")],
  ])("refuses a name a %s %s already has, creating nothing", async (state, _, instanceTags) => {
    const existing = fake.seedInstance({ state, tags: instanceTags });
    const error = await rejection(up());
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain(`a box named pr-42 already exists: ${existing} (${state})`);
    expect(fake.callNames()).toEqual(["DescribeInstances"]);
  });

  it("takes a name again once its box is terminated", async () => {
    fake.seedInstance({ state: "terminated", tags: reviewBoxTags("pr-42") });
    await expect(up()).resolves.toMatchObject({ healthy: true });
  });

  it("refuses bad input before any call", async () => {
    const error = await rejection(up({ refs: { "org/api": "main" } }));
    expect(error).toBeInstanceOf(UsageError);
    expect(fake.callNames()).toEqual([]);
  });

  it("says how to build an image when there is no sealed one, creating nothing", async () => {
    fake.images.clear();
    fake.seedImage({ tags: tags({ "unibox:fingerprint": "sha256:abc" }) });
    const error = await rejection(up());
    expect(error).toBeInstanceOf(UsageError);
    expect(error.details).toContain("build one with: unibox image build --target ec2");
    expect(fake.callNames()).not.toContain("RunInstances");
  });

  describe("a failure at each step leaves nothing behind", () => {
    it("the lookup of the name: nothing is created", async () => {
      fake.failOn("DescribeInstances", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
      const error = await rejection(up());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("ec2:DescribeInstances");
      expect(fake.callNames()).toEqual(["DescribeInstances"]);
    });

    it("the AMI lookup: nothing is created", async () => {
      fake.failOn("DescribeImages", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
      await expect(up()).rejects.toThrow(/ec2:DescribeImages/);
      expect(fake.callNames()).not.toContain("RunInstances");
    });

    it("RunInstances refused: nothing was launched, nothing is terminated", async () => {
      fake.failOn("RunInstances", awsError("InsufficientInstanceCapacity", "We currently do not have sufficient t3.large capacity."));
      const error = await rejection(up());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("choose another instance type");
      expect(fake.inputs("DescribeInstances").at(-1).Filters).toEqual([{ Name: "client-token", Values: [fake.inputs("RunInstances")[0].ClientToken] }]);
      expect(fake.callNames()).not.toContain("TerminateInstances");
      expect(fake.created).toEqual([]);
    });

    it("RunInstances' response lost: the instance its client token launched is found and terminated", async () => {
      fake.failOn("RunInstances", awsError("InternalError", "An internal error has occurred", "server"), { afterEffect: true });
      const error = await rejection(up());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(fake.created).toHaveLength(1);
      expect(fake.inputs("TerminateInstances")).toEqual([{ InstanceIds: fake.created }]);
      expect(error.details.join("\n")).toContain(`${fake.created[0]} was launched all the same and is now terminated`);
      expectNothingLeft();
    });

    it("a throttled RunInstances is retried with the same client token and launches once", async () => {
      fake.failOn("RunInstances", awsError("RequestLimitExceeded", "Request limit exceeded."), { afterEffect: true });
      await up();
      const tokens = fake.inputs("RunInstances").map((i) => i.ClientToken);
      expect(tokens).toHaveLength(2);
      expect(new Set(tokens).size).toBe(1);
      expect(fake.created).toHaveLength(1);
    });

    it("the instance never runs (no capacity): it is terminated", async () => {
      fake.bootsTo = "terminated";
      const error = await rejection(up());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toMatch(/ended terminated \(Server.InsufficientInstanceCapacity/);
      expect(fake.inputs("TerminateInstances")).toEqual([{ InstanceIds: fake.created }]);
    });

    it("the instance is not running within the bound: UnhealthyError, and it is terminated", async () => {
      fake.launchPendingPolls = 1_000_000;
      const error = await rejection(up({}, testDeps({ timeoutMs: 30 })));
      expect(error).toBeInstanceOf(UnhealthyError);
      expect(error.message).toMatch(/was not running within 30 ms \(it is pending\)/);
      expect(fake.inputs("TerminateInstances")).toEqual([{ InstanceIds: fake.created }]);
      expectNothingLeft();
    });

    it("/health never answers 200: UnhealthyError (exit 4), and the box is terminated", async () => {
      health.status = 503;
      const error = await rejection(up({}, testDeps({ timeoutMs: 60 })));
      expect(error).toBeInstanceOf(UnhealthyError);
      expect(error.exitCode).toBe(4);
      expect(error.message).toContain("last said HTTP 503");
      expect(error.details).toContain(`${fake.created[0]} was terminated: nothing is left of the box`);
      expect(health.asks).toBeGreaterThan(1);
      expectNothingLeft();
    });

    it("/health cannot be reached at all: UnhealthyError naming the network error, and the box is terminated", async () => {
      const error = await rejection(up({ statusPort: await closedPort() }, testDeps({ timeoutMs: 60 })));
      expect(error).toBeInstanceOf(UnhealthyError);
      expect(error.message).toMatch(/last said fetch failed: .*ECONNREFUSED/);
      expectNothingLeft();
    });

    it("a cancel while waiting for /health terminates the box", async () => {
      health.status = 503;
      const controller = new AbortController();
      const deps = testDeps({ signal: controller.signal, timeoutMs: 10_000 });
      health.status = (ask) => {
        if (ask === 2) controller.abort(new Error("cancelled by SIGINT"));
        return 503;
      };
      const error = await rejection(up({}, deps));
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("cancelled by SIGINT");
      expect(fake.inputs("TerminateInstances")).toEqual([{ InstanceIds: fake.created }]);
      expectNothingLeft();
    });

    it("a terminate that fails too says what to terminate by hand", async () => {
      health.status = 503;
      fake.failOn("TerminateInstances", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
      const error = await rejection(up({}, testDeps({ timeoutMs: 20 })));
      expect(error).toBeInstanceOf(UnhealthyError);
      expect(error.details).toContain(`terminate it by hand: aws ec2 terminate-instances --instance-ids ${fake.created[0]}`);
    });

    it("a terminate right after the launch retries an id EC2 does not know yet", async () => {
      health.status = 503;
      fake.failOn("TerminateInstances", awsError("InvalidInstanceID.NotFound", "The instance ID does not exist"));
      await expect(up({}, testDeps({ timeoutMs: 20 }))).rejects.toThrow(UnhealthyError);
      expect(fake.inputs("TerminateInstances")).toHaveLength(2);
      expectNothingLeft();
    });
  });
});
