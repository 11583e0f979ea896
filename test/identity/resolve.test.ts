import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { IdentityError } from "../../src/cli/errors.js";
import { readTags } from "../../src/identity/resolve.js";
import { refusedPort, startImdsServer, type FakeImds } from "./imds-server.js";

const servers: FakeImds[] = [];
const dirs: string[] = [];
const ec2Mock = mockClient(EC2Client);

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  ec2Mock.reset();
});

async function imds(options: Parameters<typeof startImdsServer>[0]): Promise<FakeImds> {
  const server = await startImdsServer(options);
  servers.push(server);
  return server;
}

function tagsFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "unibox-tags-"));
  dirs.push(dir);
  const file = join(dir, "tags");
  writeFileSync(file, text);
  return file;
}

describe("readTags", () => {
  it("uses --tags-file and never touches instance metadata", async () => {
    const server = await imds({ tags: { "unibox:mode": "production", "unibox:service": "imds-must-not-win" } });
    const file = tagsFile(JSON.stringify({ "unibox:mode": "staging", "unibox:service": "billing" }));
    const result = await readTags({ tagsFile: file, tagWaitMs: 5000, imds: { endpoint: server.url } });
    expect(result).toEqual({
      tags: { "unibox:mode": "staging", "unibox:service": "billing" },
      facts: { instanceId: "local", privateIp: "127.0.0.1", source: "flags" },
    });
    expect(server.log).toEqual([]);
  });

  it("lets --tag override the file's keys", async () => {
    const server = await imds({ tags: {} });
    const file = tagsFile("# a review box\nunibox:mode=review\nunibox:box=old-name\n");
    const { tags, facts } = await readTags({
      tagsFile: file,
      tags: ["unibox:box=new-name", "unibox:ref.api=feature/x"],
      tagWaitMs: 5000,
      imds: { endpoint: server.url },
    });
    expect(tags).toEqual({ "unibox:mode": "review", "unibox:box": "new-name", "unibox:ref.api": "feature/x" });
    expect(facts.source).toBe("flags");
    expect(server.log).toEqual([]);
  });

  it("uses --tag alone without a file", async () => {
    const { tags, facts } = await readTags({ tags: ["unibox:mode=review", "unibox:box=solo"], tagWaitMs: 0, imds: { endpoint: "http://127.0.0.1:9" } });
    expect(tags).toEqual({ "unibox:mode": "review", "unibox:box": "solo" });
    expect(facts).toEqual({ instanceId: "local", privateIp: "127.0.0.1", source: "flags" });
  });

  it("reads instance metadata when no flags are given", async () => {
    const server = await imds({ instanceId: "i-0aaa", localIpv4: "10.1.2.3", tags: { "unibox:mode": "staging", "unibox:service": "web" } });
    const result = await readTags({ tags: [], tagWaitMs: 0, imds: { endpoint: server.url } });
    expect(result).toEqual({
      tags: { "unibox:mode": "staging", "unibox:service": "web" },
      facts: { instanceId: "i-0aaa", privateIp: "10.1.2.3", source: "imds" },
    });
    expect(ec2Mock.commandCalls(DescribeTagsCommand)).toHaveLength(0);
  });

  it("falls back to DescribeTags on the instance's own id when instance-metadata tags are disabled", async () => {
    const server = await imds({ instanceId: "i-0bbb", localIpv4: "10.9.8.7", tags: null });
    ec2Mock.on(DescribeTagsCommand).resolves({
      Tags: [
        { Key: "unibox:mode", Value: "production", ResourceId: "i-0bbb", ResourceType: "instance" },
        { Key: "unibox:service", Value: "billing", ResourceId: "i-0bbb", ResourceType: "instance" },
      ],
    });
    const ec2Client = new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } });
    const result = await readTags({ tagWaitMs: 0, imds: { endpoint: server.url }, ec2Client });
    expect(result).toEqual({
      tags: { "unibox:mode": "production", "unibox:service": "billing" },
      facts: { instanceId: "i-0bbb", privateIp: "10.9.8.7", source: "describe-tags" },
    });
    const calls = ec2Mock.commandCalls(DescribeTagsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input.Filters).toContainEqual({ Name: "resource-id", Values: ["i-0bbb"] });
  });

  it("fails with an identity error (exit 3) when not on EC2 and no flags are given", async () => {
    const endpoint = `http://127.0.0.1:${await refusedPort()}`;
    const started = performance.now();
    const error = (await readTags({ tagWaitMs: 10_000, imds: { endpoint } }).catch((e: unknown) => e)) as IdentityError;
    expect(performance.now() - started).toBeLessThan(500);
    expect(error).toBeInstanceOf(IdentityError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(`no tags: not on EC2 (instance metadata unreachable at ${endpoint}) and no --tags-file/--tag given`);
    expect(error.details.join("\n")).toMatch(/ECONNREFUSED/);
    expect(error.details.join("\n")).toMatch(/InstanceMetadataTags/);
    expect(error.cause).toBeInstanceOf(Error);
  });
});
