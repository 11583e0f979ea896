import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../../../src/errors.js";
import { ec2Target } from "../../../../src/image/targets/ec2/index.js";
import { imageName } from "../../../../src/image/targets/ec2/names.js";
import { BUILD_ID, buildInput } from "./build-input.js";
import { ec2Client } from "./fake-ec2.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());
beforeEach(() => ec2Mock.reset());

const ami = { name: "debian-12-amd64-*", owners: ["136693071363"], architecture: "x86_64" };

describe("describe (--dry-run)", () => {
  it("lists the steps and every resource with the name it will have, calling nothing", () => {
    const plan = ec2Target({ ec2: ec2Client(), ami }).describe(buildInput());
    expect(plan.steps.map((s) => s.name)).toEqual(["create-security-group", "launch-builder", "wait-for-provisioning", "create-image", "tag-image"]);
    expect(plan.resources.map((r) => [r.kind, r.name])).toEqual([
      ["security-group", `unibox-build-${BUILD_ID}`],
      ["instance", `unibox-build-${BUILD_ID}`],
      ["ami", `unibox-3f9a2c41d07b-${BUILD_ID}`],
      ["snapshot", `snapshots of unibox-3f9a2c41d07b-${BUILD_ID}`],
    ]);
    expect(plan.resources[1].detail).toMatch(/^t3\.small from ami-0a1b2c3d4e5f60718, IMDSv2 required, user data \d+ bytes/);
    expect(plan.resources[0].detail).toMatch(/^in the default VPC, no inbound rule/);
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it("names the subnet's VPC when a subnet is given", () => {
    const plan = ec2Target({ ec2: ec2Client(), ami, subnetId: "subnet-0fedcba9876543210" }).describe(buildInput());
    expect(plan.resources[0].detail).toMatch(/^in the VPC of subnet-0fedcba9876543210/);
  });

  it("refuses an architecture with no default builder type unless one is given", () => {
    expect(() => ec2Target({ ec2: ec2Client(), ami: { ...ami, architecture: "i386" } })).toThrow(UsageError);
    expect(() => ec2Target({ ec2: ec2Client(), ami: { ...ami, architecture: "i386" } })).toThrow(
      'no default builder instance type for architecture "i386": expected one of x86_64, arm64, or an instance type given for the ec2 target',
    );
    expect(ec2Target({ ec2: ec2Client(), ami: { ...ami, architecture: "i386" }, instanceType: "t2.micro" }).name).toBe("ec2");
  });
});

describe("imageName", () => {
  it.each([
    ["3f9a2c41d07b6e58a9c1f0e2d3b4a596", "ub-20250602T103000Z-k3x9q2", "unibox-3f9a2c41d07b-ub-20250602T103000Z-k3x9q2"],
    ["sha256:3f9a2c41d07b6e58a9c1f0e2", "ub-20250602T103000Z-k3x9q2", "unibox-3f9a2c41d07b-ub-20250602T103000Z-k3x9q2"],
    ["3f9a2c41d07b6e58a9c1f0e2d3b4a596", "ub-2025-06-02T10:30:00Z+k3x9", "unibox-3f9a2c41d07b-ub-2025-06-02T10-30-00Z-k3x9"],
  ])("names the AMI of %s built by %s as %s (characters EC2 refuses in AMI names replaced)", (fingerprint, buildId, expected) => {
    expect(imageName(fingerprint, buildId)).toBe(expected);
  });
});
