import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ec2ReviewLs } from "../../../src/ec2/index.js";
import { RuntimeFailure } from "../../../src/errors.js";
import { rejection, testDeps } from "../deps.js";
import { awsError, FakeBoxes, reviewBoxTags, tags } from "../fake-boxes.js";
import { closedPort, startHealthServer, type HealthServer } from "../health-server.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

let fake: FakeBoxes;
let health: HealthServer;
beforeEach(async () => {
  ec2Mock.reset();
  fake = new FakeBoxes(ec2Mock);
  health = await startHealthServer(200);
});
afterEach(() => health.close());

describe("review ls on ec2", () => {
  it("lists unibox's live review boxes through every page, with the tags' refs and expiry", async () => {
    fake.pageSize = 1;
    const a = fake.seedInstance({ tags: reviewBoxTags("alpha", { "unibox:ref.api": "main", "unibox:expires-at": "2025-06-02T18:00:00.000Z", "unibox:stack-ref": "next" }) });
    const b = fake.seedInstance({ state: "stopped", tags: reviewBoxTags("beta") });

    const boxes = await ec2ReviewLs(testDeps(), { statusPort: health.port });

    const calls = fake.inputs("DescribeInstances");
    expect(calls).toHaveLength(2);
    expect(calls[1].NextToken).toBe("1");
    expect(calls[0].Filters).toEqual([
      { Name: "tag:unibox:mode", Values: ["review"] },
      { Name: "tag:unibox:managed-by", Values: ["unibox"] },
      { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ]);
    expect(boxes).toEqual([
      {
        name: "alpha",
        target: "ec2",
        url: "http://127.0.0.1:8080/",
        image: "ami-0c0ffee0c0ffee001",
        refs: { api: { ref: "main" } },
        stackRef: "next",
        createdAt: "2025-06-01T08:00:00.000Z",
        expiresAt: "2025-06-02T18:00:00.000Z",
        lastActivity: "2025-06-01T08:00:00.000Z",
        healthy: true,
        state: "running",
        instanceId: a,
      },
      expect.objectContaining({ name: "beta", state: "stopped", healthy: null, instanceId: b }),
    ]);
    // Only the running box is asked.
    expect(health.asks).toBe(1);
  });

  it("leaves out review-tagged instances unibox did not launch and every other mode", async () => {
    fake.ignoreFilters = true;
    fake.seedInstance({ tags: tags({ "unibox:mode": "review", "unibox:box": "theirs" }) });
    fake.seedInstance({ tags: tags({ "unibox:mode": "production", "unibox:service": "api", "unibox:managed-by": "unibox" }) });
    fake.seedInstance({ tags: reviewBoxTags("ours") });
    const boxes = await ec2ReviewLs(testDeps(), { statusPort: health.port });
    expect(boxes.map((b) => b.name)).toEqual(["ours"]);
  });

  it("reports healthy false for a status other than 200 and null for a box that does not answer", async () => {
    health.status = 503;
    fake.seedInstance({ tags: reviewBoxTags("sick") });
    expect((await ec2ReviewLs(testDeps(), { statusPort: health.port }))[0].healthy).toBe(false);
    expect((await ec2ReviewLs(testDeps(), { statusPort: await closedPort() }))[0].healthy).toBe(null);
  });

  it("asks with a short timeout: a box that hangs counts as unreachable", async () => {
    fake.seedInstance({ tags: reviewBoxTags("hung") });
    const hang: typeof fetch = (_url, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(new TypeError("fetch failed", { cause: init.signal!.reason }))));
    const started = Date.now();
    const [box] = await ec2ReviewLs(testDeps({ fetch: hang, healthTimeoutMs: 20 }));
    expect(box.healthy).toBe(null);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("asks each box's /health on its address and the status port, with an injected fetch", async () => {
    fake.seedInstance({ privateIp: "10.0.3.4", tags: reviewBoxTags("one") });
    fake.seedInstance({ privateIp: "10.0.3.5", publicIp: "203.0.113.9", tags: reviewBoxTags("two") });
    const asked: string[] = [];
    const fetcher: typeof fetch = async (url) => {
      asked.push(String(url));
      return new Response("{}", { status: 200 });
    };
    const boxes = await ec2ReviewLs(testDeps({ fetch: fetcher }));
    expect(asked.sort()).toEqual(["http://10.0.3.4:9100/health", "http://203.0.113.9:9100/health"]);
    expect(boxes.map((b) => b.url)).toEqual(["http://10.0.3.4:8080/", "http://203.0.113.9:8080/"]);
  });

  it("fails with the permission it needs when DescribeInstances is refused", async () => {
    fake.failOn("DescribeInstances", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
    const error = await rejection(ec2ReviewLs(testDeps()));
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.message).toContain("needs ec2:DescribeInstances");
  });
});
