import { DescribeImagesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { RuntimeFailure } from "../../../../src/errors.js";
import { silentReporter } from "../../../../src/image/runner.js";
import { ec2Target } from "../../../../src/image/targets/ec2/index.js";
import { awsError, ec2Client, FakeEc2, sendOptions } from "./fake-ec2.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

const DEBIAN = "136693071363";
let fake: FakeEc2;
beforeEach(() => {
  ec2Mock.reset();
  fake = new FakeEc2(ec2Mock, { states: ["running"], consoleRunning: "", consoleStopped: [""] });
});

const run = { signal: new AbortController().signal, reporter: silentReporter };
const target = (architecture = "x86_64") => ec2Target({ ec2: ec2Client(), ami: { name: "debian-12-amd64-*", owners: [DEBIAN], architecture } });

describe("resolveBase", () => {
  it("asks for available EBS images of the owners, name and architecture, and picks the newest", async () => {
    fake.seedImage({ id: "ami-0aaa1111bbbb22223", name: "debian-12-amd64-20250410-2084", ownerId: DEBIAN, creationDate: "2025-04-10T21:30:12.000Z" });
    fake.seedImage({ id: "ami-0ccc3333dddd44445", name: "debian-12-amd64-20250530-2128", ownerId: DEBIAN, creationDate: "2025-05-30T21:33:11.000Z" });
    fake.seedImage({ id: "ami-0eee5555ffff66667", name: "debian-12-amd64-20250502-2104", ownerId: DEBIAN, creationDate: "2025-05-02T08:00:00.000Z" });
    // Newer, but not what the filter means: another owner, another architecture, instance-store, not yet available.
    fake.seedImage({ id: "ami-0fake000000000001", name: "debian-12-amd64-20250601-0000", ownerId: "999999999999", creationDate: "2025-06-01T00:00:00.000Z" });
    fake.seedImage({ id: "ami-0arm0000000000002", name: "debian-12-amd64-20250601-0001", ownerId: DEBIAN, architecture: "arm64", creationDate: "2025-06-01T00:00:00.000Z" });
    fake.seedImage({ id: "ami-0ist0000000000003", name: "debian-12-amd64-20250601-0002", ownerId: DEBIAN, rootDeviceType: "instance-store", creationDate: "2025-06-01T00:00:00.000Z" });
    fake.seedImage({ id: "ami-0pen0000000000004", name: "debian-12-amd64-20250601-0003", ownerId: DEBIAN, state: "pending", creationDate: "2025-06-01T00:00:00.000Z" });

    expect(await target().resolveBase(run)).toEqual({ id: "ami-0ccc3333dddd44445", name: "debian-12-amd64-20250530-2128", created: "2025-05-30T21:33:11.000Z" });
    const calls = ec2Mock.commandCalls(DescribeImagesCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      Owners: [DEBIAN],
      Filters: [
        { Name: "name", Values: ["debian-12-amd64-*"] },
        { Name: "architecture", Values: ["x86_64"] },
        { Name: "state", Values: ["available"] },
        { Name: "root-device-type", Values: ["ebs"] },
      ],
    });
    expect(sendOptions(calls[0])).toEqual({ abortSignal: run.signal });
  });

  it("fails naming the filter when no image matches", async () => {
    const error = await target("arm64").resolveBase(run).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect((error as Error).message).toBe(
      `no base AMI matches name "debian-12-amd64-*", owners ${DEBIAN}, architecture arm64 (available, EBS-backed) in this region: check base.ami in image/image.yaml and the region (Debian's owner id is 136693071363)`,
    );
  });

  it("says what permission is missing when DescribeImages is denied", async () => {
    fake.failOn("DescribeImages", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
    await expect(target().resolveBase(run)).rejects.toThrow(
      "looking up the base AMI (name debian-12-amd64-*) failed (UnauthorizedOperation: You are not authorized to perform this operation.); the AWS identity running unibox needs ec2:DescribeImages",
    );
  });
});
