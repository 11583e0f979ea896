import { DescribeImagesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { silentReporter } from "../../../../src/image/runner.js";
import { ec2Target } from "../../../../src/image/targets/ec2/index.js";
import { FINGERPRINT } from "./build-input.js";
import { ec2Client, FakeEc2, sendOptions } from "./fake-ec2.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

let fake: FakeEc2;
beforeEach(() => {
  ec2Mock.reset();
  fake = new FakeEc2(ec2Mock, { states: ["running"], consoleRunning: "", consoleStopped: [""] });
});

const run = { signal: new AbortController().signal, reporter: silentReporter };
const target = () => ec2Target({ ec2: ec2Client(), ami: { name: "debian-12-amd64-*", owners: ["136693071363"], architecture: "x86_64" } });
const tags = (fingerprint: string, sealed: boolean) => [
  { Key: "unibox:fingerprint", Value: fingerprint },
  ...(sealed ? [{ Key: "unibox:sealed", Value: "true" }] : []),
];

describe("findByFingerprint", () => {
  it("asks for this account's sealed, available AMIs with the fingerprint tag", async () => {
    await target().findByFingerprint(FINGERPRINT, run);
    const calls = ec2Mock.commandCalls(DescribeImagesCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      {
        Owners: ["self"],
        Filters: [
          { Name: "tag:unibox:fingerprint", Values: [FINGERPRINT] },
          { Name: "tag:unibox:sealed", Values: ["true"] },
          { Name: "state", Values: ["available"] },
        ],
      },
    ]);
    expect(sendOptions(calls[0])).toEqual({ abortSignal: run.signal });
  });

  it("returns the newest sealed AMI of the fingerprint", async () => {
    fake.seedImage({ id: "ami-0old0000000000001", name: "unibox-3f9a2c41d07b-ub-1", creationDate: "2025-05-01T10:00:00.000Z", tags: tags(FINGERPRINT, true) });
    fake.seedImage({ id: "ami-0new0000000000002", name: "unibox-3f9a2c41d07b-ub-2", creationDate: "2025-06-01T10:00:00.000Z", tags: tags(FINGERPRINT, true) });
    expect(await target().findByFingerprint(FINGERPRINT, run)).toEqual({ id: "ami-0new0000000000002", fingerprint: FINGERPRINT, created: "2025-06-01T10:00:00.000Z", location: "ec2" });
  });

  it.each([
    { what: "an unsealed AMI (a build that died before tagging it)", image: { tags: tags(FINGERPRINT, false) } },
    { what: "a sealed AMI still pending", image: { tags: tags(FINGERPRINT, true), state: "pending" } },
    { what: "a sealed AMI of another fingerprint", image: { tags: tags("0".repeat(64), true) } },
    { what: "another account's AMI", image: { tags: tags(FINGERPRINT, true), ownerId: "210987654321" } },
  ])("finds nothing given only $what", async ({ image }) => {
    fake.seedImage({ name: "unibox-3f9a2c41d07b-ub-3", creationDate: "2025-06-01T10:00:00.000Z", ...image });
    expect(await target().findByFingerprint(FINGERPRINT, run)).toBeUndefined();
  });
});
