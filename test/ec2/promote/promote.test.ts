import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ec2Promote, type Ec2PromoteOptions } from "../../../src/ec2/index.js";
import { RuntimeFailure, UsageError } from "../../../src/errors.js";
import { rejection, testDeps } from "../deps.js";
import { awsError, FakeBoxes, PARENT_AMI, reviewBoxTags, tags } from "../fake-boxes.js";
import { closedPort, startHealthServer, type HealthServer } from "../health-server.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

const NAME = "unibox-promoted-pr-42-20250602T100000Z";
const PARENT_TAGS = {
  "unibox:fingerprint": "sha256:3f9a2c41d07b",
  "unibox:id": "img-3f9a2c41d07b",
  "unibox:created": "2025-05-30T12:00:00.000Z",
  "unibox:base": "ami-0debian12",
  "unibox:unibox-version": "0.1.0",
  "unibox:repo:api": "1111111111111111111111111111111111111111",
  "unibox:repo:web": "2222222222222222222222222222222222222222",
  "unibox:runtime:node": "20.19.4",
  "unibox:tree": "sha256:feed",
  "unibox:sealed": "true",
};

let fake: FakeBoxes;
let health: HealthServer;
let boxId: string;
beforeEach(async () => {
  ec2Mock.reset();
  fake = new FakeBoxes(ec2Mock);
  fake.seedImage({ id: PARENT_AMI, tags: tags(PARENT_TAGS) });
  boxId = fake.seedInstance({ imageId: PARENT_AMI, tags: reviewBoxTags("pr-42", { "unibox:ref.api": "feature/login" }) });
  health = await startHealthServer(200);
});
afterEach(() => health.close());

function promote(options: Partial<Ec2PromoteOptions> = {}, deps = testDeps()) {
  return ec2Promote(deps, { box: "pr-42", statusPort: health.port, ...options });
}

/** Nothing the promotion created is left: no AMI, no snapshot. */
function expectNothingLeft() {
  expect(fake.leftOver()).toEqual([]);
  expect([...fake.images.keys()]).toEqual([PARENT_AMI]);
}

/** The AMI (and snapshots) CreateImage made, deregistered and deleted. */
function expectRemoved() {
  const made = fake.created;
  expect(made).toHaveLength(3);
  expect(fake.inputs("DeregisterImage")).toEqual([{ ImageId: made[0] }]);
  expect(fake.inputs("DeleteSnapshot").map((i) => i.SnapshotId).sort()).toEqual(made.slice(1).sort());
  expectNothingLeft();
}

describe("promote on ec2", () => {
  it("records the commit the box says it runs for a repo it ran at a ref, not the ref", async () => {
    const commit = "3333333333333333333333333333333333333333";
    health.repos = { api: commit, web: "9999999999999999999999999999999999999999" };
    const result = await promote();
    // api ran at a ref: the box's own commit; web as baked: the parent's, whatever the box says of it.
    expect(result.repos).toEqual({ api: commit, web: "2222222222222222222222222222222222222222" });
    const created = fake.inputs("CreateImage")[0];
    const imageTags = created.TagSpecifications.find((t: { ResourceType: string }) => t.ResourceType === "image").Tags;
    expect(imageTags).toContainEqual({ Key: "unibox:repo:api", Value: commit });
  });

  it("images the healthy box with its provenance, seals it last, then hands it to afterImage", async () => {
    let sealedWhenHandedOn: string | undefined;
    const result = await promote({
      launchTemplate: "lt-0abc",
      afterImage: async (id) => {
        sealedWhenHandedOn = fake.images.get(id)?.tags.find((t) => t.Key === "unibox:sealed")?.Value;
        return { launchTemplateId: "lt-0abc", version: 7 };
      },
    });

    const [ami, ...snapshots] = fake.created;
    expect(fake.callNames()).toEqual(["DescribeInstances", "DescribeImages", "CreateImage", "DescribeImages", "DescribeImages", "CreateTags"]);
    expect(health.asks).toBe(1);
    const [create] = fake.inputs("CreateImage");
    expect(create).toMatchObject({ InstanceId: boxId, Name: NAME, NoReboot: false });
    const expectedTags = [
      { Key: "Name", Value: NAME },
      { Key: "unibox:build-id", Value: "promote-pr-42-20250602T100000Z" },
      { Key: "unibox:build-started", Value: "2025-06-02T10:00:00.000Z" },
      { Key: "unibox:created", Value: "2025-06-02T10:00:00.000Z" },
      { Key: "unibox:promoted-from-box", Value: "pr-42" },
      { Key: "unibox:promoted-from-instance", Value: boxId },
      { Key: "unibox:parent-image", Value: PARENT_AMI },
      { Key: "unibox:health-verified-at", Value: "2025-06-02T10:00:00.000Z" },
      { Key: "unibox:base", Value: "ami-0debian12" },
      { Key: "unibox:unibox-version", Value: "0.1.0" },
      { Key: "unibox:runtime:node", Value: "20.19.4" },
      { Key: "unibox:repo:api", Value: "ref:feature/login" },
      { Key: "unibox:repo:web", Value: "2222222222222222222222222222222222222222" },
    ];
    expect(create.TagSpecifications).toEqual([
      { ResourceType: "image", Tags: expectedTags },
      { ResourceType: "snapshot", Tags: expectedTags },
    ]);
    expect(fake.inputs("CreateTags")).toEqual([{ Resources: [ami, ...snapshots], Tags: [{ Key: "unibox:sealed", Value: "true" }] }]);
    expect(sealedWhenHandedOn).toBe("true");
    expect(result).toEqual({
      id: ami,
      promotedFrom: { box: "pr-42", instanceId: boxId, image: PARENT_AMI },
      repos: { api: "ref:feature/login", web: "2222222222222222222222222222222222222222" },
      healthVerifiedAt: "2025-06-02T10:00:00.000Z",
      launchTemplate: { launchTemplateId: "lt-0abc", version: 7 },
    });
    expect(fake.deleted).toEqual([]);
  });

  it("reports no launch template without afterImage", async () => {
    const result = await promote();
    expect(result).not.toHaveProperty("launchTemplate");
    expect(fake.images.get(result.id)?.tags).toContainEqual({ Key: "unibox:sealed", Value: "true" });
  });

  describe("refuses, creating nothing,", () => {
    it("a box whose /health does not answer 200 right now (exit 1)", async () => {
      health.status = 503;
      const error = await rejection(promote());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.exitCode).toBe(1);
      expect(error.message).toContain("is not healthy right now");
      expect(error.message).toContain("HTTP 503");
      expect(fake.callNames()).toEqual(["DescribeInstances"]);
    });

    it("a box whose /health cannot be reached", async () => {
      const error = await rejection(promote({ statusPort: await closedPort() }));
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toMatch(/not healthy right now .*ECONNREFUSED/);
      expect(fake.callNames()).not.toContain("CreateImage");
    });

    it("a stopped box", async () => {
      fake.instances.get(boxId)!.state = "stopped";
      const error = await rejection(promote());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("is stopped");
      expect(health.asks).toBe(0);
    });

    it.each([
      ["a production instance named like the box", tags({ "unibox:mode": "production", "unibox:service": "api", "unibox:box": "pr-42", "unibox:managed-by": "unibox" })],
      ["a review instance unibox did not launch", tags({ "unibox:mode": "review", "unibox:box": "pr-42" })],
    ])("%s (a usage error)", async (_, instanceTags) => {
      fake.instances.get(boxId)!.tags = instanceTags;
      const error = await rejection(promote());
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toContain("refusing to promote pr-42");
      expect(fake.callNames()).toEqual(["DescribeInstances"]);
      expect(health.asks).toBe(0);
    });

    it("a box launched from an AMI that is not a sealed unibox AMI", async () => {
      fake.images.get(PARENT_AMI)!.tags = tags({ Name: "debian-12" });
      const error = await rejection(promote());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("is not a sealed unibox AMI");
      expect(fake.callNames()).not.toContain("CreateImage");
    });

    it("a box whose AMI is gone", async () => {
      fake.images.delete(PARENT_AMI);
      const error = await rejection(promote());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("is gone");
      expect(fake.callNames()).not.toContain("CreateImage");
    });

    it("a ref too long to record as a tag", async () => {
      fake.instances.get(boxId)!.tags = reviewBoxTags("pr-42", { "unibox:ref.api": "r".repeat(256) });
      const error = await rejection(promote());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("does not fit in EC2 tags; nothing was created");
      expect(fake.callNames()).not.toContain("CreateImage");
    });
  });

  describe("a failure at each step after CreateImage removes the AMI and its snapshots", () => {
    it("CreateImage refused: nothing was made, nothing is deleted", async () => {
      fake.failOn("CreateImage", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
      const error = await rejection(promote());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("ec2:CreateImage");
      // It looked for what a lost response could have left, by the promotion's build id.
      expect(fake.inputs("DescribeImages").at(-1).Filters).toEqual([{ Name: "tag:unibox:build-id", Values: ["promote-pr-42-20250602T100000Z"] }]);
      expect(fake.callNames()).not.toContain("DeregisterImage");
      expectNothingLeft();
    });

    it("CreateImage's response lost: the AMI it made is found by its build id and removed", async () => {
      fake.failOn("CreateImage", awsError("InternalError", "An internal error has occurred", "server"), { afterEffect: true });
      const error = await rejection(promote());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.details.join("\n")).toContain("nothing is left of the promotion");
      expectRemoved();
    });

    it("the AMI fails", async () => {
      fake.imageFinalState = "failed";
      const error = await rejection(promote());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("ended failed");
      expectRemoved();
    });

    it("the AMI is not available within the bound", async () => {
      fake.imagePendingPolls = 1_000_000;
      const error = await rejection(promote({}, testDeps({ timeoutMs: 30 })));
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("was not available within 30 ms");
      expectRemoved();
    });

    it("sealing fails", async () => {
      fake.failOn("CreateTags", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
      const error = await rejection(promote());
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("ec2:CreateTags");
      expectRemoved();
    });

    it("afterImage fails (the launch template could not be updated)", async () => {
      const error = await rejection(
        promote({
          afterImage: async () => {
            throw new Error("CreateLaunchTemplateVersion: AccessDenied");
          },
        }),
      );
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toBe("promote pr-42 failed: Error: CreateLaunchTemplateVersion: AccessDenied");
      expectRemoved();
    });

    it("a cancel while waiting for the AMI", async () => {
      fake.imagePendingPolls = 1_000_000;
      const controller = new AbortController();
      const deps = testDeps({ signal: controller.signal, timeoutMs: 10_000, progress: (line) => line.startsWith("waiting for") && setTimeout(() => controller.abort(new Error("cancelled by SIGINT")), 5) });
      const error = await rejection(promote({}, deps));
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.message).toContain("cancelled by SIGINT");
      expectRemoved();
    });

    it("a removal that fails too says what to delete by hand", async () => {
      fake.failOn("CreateTags", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
      fake.failOn("DeregisterImage", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
      const error = await rejection(promote());
      const [ami, ...snapshots] = fake.created;
      expect(error.details).toEqual(
        expect.arrayContaining([
          `by hand: aws ec2 deregister-image --image-id ${ami}`,
          ...snapshots.map((s) => `by hand: aws ec2 delete-snapshot --snapshot-id ${s}`),
        ]),
      );
    });
  });
});
