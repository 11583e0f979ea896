import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ec2FleetLs } from "../../../src/ec2/index.js";
import { RuntimeFailure } from "../../../src/errors.js";
import { rejection, testDeps } from "../deps.js";
import { awsError, FakeBoxes, reviewBoxTags, tags } from "../fake-boxes.js";
import { startHealthServer, type HealthServer } from "../health-server.js";

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

const LIVE = { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] };

describe("fleet ls on ec2", () => {
  it("lists every box tagged unibox:mode through every page, with its service, component, image, state, address and launch", async () => {
    fake.pageSize = 2;
    const web = fake.seedInstance({ imageId: "ami-0aaaaaaaaaaaaaaa1", tags: tags({ "unibox:mode": "production", "unibox:service": "api", "unibox:component": "web" }) });
    const worker = fake.seedInstance({ state: "stopped", tags: tags({ "unibox:mode": "production", "unibox:service": "api" }) });
    const review = fake.seedInstance({ tags: reviewBoxTags("pr-42") });
    fake.seedInstance({ tags: tags({ Name: "not ours" }) });

    const boxes = await ec2FleetLs(testDeps(), { statusPort: health.port });

    // The SDK's paginator reuses one input object across pages: the calls are counted, not their tokens.
    expect(fake.inputs("DescribeInstances")).toHaveLength(2);
    expect(fake.inputs("DescribeInstances")[0].Filters).toEqual([{ Name: "tag-key", Values: ["unibox:mode"] }, LIVE]);
    // Sorted by mode, then service, then name.
    expect(boxes.map((b) => b.mode)).toEqual(["production", "production", "review"]);
    const byId = (id: string) => boxes.find((b) => b.instanceId === id);
    expect(byId(web)).toEqual({
      name: web,
      target: "ec2",
      mode: "production",
      service: "api",
      component: "web",
      image: "ami-0aaaaaaaaaaaaaaa1",
      state: "running",
      healthy: true,
      instanceId: web,
      address: "127.0.0.1",
      launchedAt: "2025-06-01T08:00:00.000Z",
    });
    expect(byId(worker)).toMatchObject({ name: worker, service: "api", state: "stopped", healthy: null });
    expect(byId(worker)).not.toHaveProperty("component");
    expect(byId(review)).toMatchObject({ name: "pr-42", mode: "review", healthy: true });
    expect(health.asks).toBe(2);
  });

  it("narrows the query to a mode and a service", async () => {
    fake.seedInstance({ tags: tags({ "unibox:mode": "production", "unibox:service": "api" }) });
    fake.seedInstance({ tags: tags({ "unibox:mode": "staging", "unibox:service": "api" }) });
    fake.seedInstance({ tags: tags({ "unibox:mode": "production", "unibox:service": "billing" }) });

    const boxes = await ec2FleetLs(testDeps(), { mode: "production", service: "api", statusPort: health.port });

    expect(fake.inputs("DescribeInstances")[0].Filters).toEqual([
      { Name: "tag-key", Values: ["unibox:mode"] },
      { Name: "tag:unibox:mode", Values: ["production"] },
      { Name: "tag:unibox:service", Values: ["api"] },
      LIVE,
    ]);
    expect(boxes.map((b) => [b.mode, b.service])).toEqual([["production", "api"]]);
  });

  it("reports healthy false when /health says no", async () => {
    health.status = 503;
    fake.seedInstance({ tags: tags({ "unibox:mode": "production", "unibox:service": "api" }) });
    const [box] = await ec2FleetLs(testDeps(), { statusPort: health.port });
    expect(box.healthy).toBe(false);
  });

  it("fails with the permission it needs when DescribeInstances is refused", async () => {
    fake.failOn("DescribeInstances", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
    const error = await rejection(ec2FleetLs(testDeps()));
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.message).toContain("listing the fleet failed");
  });
});
