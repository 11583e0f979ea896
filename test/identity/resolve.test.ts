import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { IdentityError } from "../../src/errors.js";
import { readTags } from "../../src/identity/resolve.js";
import { refusedPort, startImdsServer, type FakeImds } from "../helpers/imds-server.js";

const ID = "i-0123456789abcdef0";
const PRODUCTION = { "unibox:mode": "production", "unibox:service": "billing" };
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

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "unibox-tags-"));
  dirs.push(dir);
  return dir;
}

function tagsFile(text: string): string {
  const file = join(tempDir(), "tags");
  writeFileSync(file, text);
  return file;
}

/** An empty environment and a home without ~/.aws: the machine running the tests lends no AWS credentials. */
function isolated() {
  return { env: {}, homeDir: tempDir() };
}

const tagReads = (server: FakeImds) => server.log.filter((r) => r.rawPath === "/latest/meta-data/tags/instance").length;

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
      tagFlags: [
        ["unibox:box", "new-name"],
        ["unibox:ref.api", "feature/x"],
      ],
      tagWaitMs: 5000,
      imds: { endpoint: server.url },
    });
    expect(tags).toEqual({ "unibox:mode": "review", "unibox:box": "new-name", "unibox:ref.api": "feature/x" });
    expect(facts.source).toBe("flags");
    expect(server.log).toEqual([]);
  });

  it("uses --tag alone without a file", async () => {
    const { tags, facts } = await readTags({
      tagFlags: [
        ["unibox:mode", "review"],
        ["unibox:box", "solo"],
      ],
      tagWaitMs: 0,
      imds: { endpoint: "http://127.0.0.1:9" },
    });
    expect(tags).toEqual({ "unibox:mode": "review", "unibox:box": "solo" });
    expect(facts).toEqual({ instanceId: "local", privateIp: "127.0.0.1", source: "flags" });
  });

  it("accepts a --tag given twice with the same value", async () => {
    const { tags } = await readTags({
      tagFlags: [
        ["unibox:mode", "review"],
        ["unibox:box", "b"],
        ["unibox:mode", "review"],
      ],
      tagWaitMs: 0,
    });
    expect(tags).toEqual({ "unibox:mode": "review", "unibox:box": "b" });
  });

  it("refuses a --tag given twice with different values (exit 3), naming the key and both values", async () => {
    const error = (await readTags({
      tagFlags: [
        ["unibox:mode", "review"],
        ["unibox:box", "b"],
        ["unibox:mode", "production"],
      ],
      tagWaitMs: 0,
    }).catch((e: unknown) => e)) as IdentityError;
    expect(error).toBeInstanceOf(IdentityError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe('--tag: tag "unibox:mode" is given twice with different values: "review" and "production"; contradictory tags, starting nothing');
  });

  it("refuses a tags file that contradicts itself even when --tag gives the key", async () => {
    const file = tagsFile("unibox:mode=review\nunibox:mode=production\n");
    const error = (await readTags({ tagsFile: file, tagFlags: [["unibox:mode", "staging"]], tagWaitMs: 0 }).catch((e: unknown) => e)) as IdentityError;
    expect(error).toBeInstanceOf(IdentityError);
    expect(error.message).toMatch(/tag "unibox:mode" is given twice with different values: "review" \(line 1\) and "production" \(line 2\)/);
  });

  it("keeps tag keys named __proto__ and constructor from the file and the flags", async () => {
    const file = tagsFile(`{"__proto__": "from-file", "unibox:mode": "review"}`);
    const { tags } = await readTags({ tagsFile: file, tagFlags: [["constructor", "from-flag"]], tagWaitMs: 0 });
    expect(Object.getPrototypeOf(tags)).toBeNull();
    expect(Object.entries(tags)).toEqual([
      ["__proto__", "from-file"],
      ["unibox:mode", "review"],
      ["constructor", "from-flag"],
    ]);
  });

  it("reads instance metadata when no flags are given", async () => {
    const server = await imds({ instanceId: "i-0aaa", localIpv4: "10.1.2.3", tags: { "unibox:mode": "staging", "unibox:service": "web" } });
    const result = await readTags({ tagFlags: [], tagWaitMs: 0, imds: { endpoint: server.url } });
    expect(result).toEqual({
      tags: { "unibox:mode": "staging", "unibox:service": "web" },
      facts: { instanceId: "i-0aaa", privateIp: "10.1.2.3", source: "imds" },
    });
    expect(ec2Mock.commandCalls(DescribeTagsCommand)).toHaveLength(0);
  });

  it("takes the tags of a peer whose tags reach instance metadata 2 s after it starts, in about 2 s", async () => {
    const server = await imds({ tags: null });
    const timer = setTimeout(() => {
      server.setTag("unibox:mode", "production");
      server.setTag("unibox:service", "billing");
    }, 2000);
    const started = performance.now();
    const result = await readTags({ tagWaitMs: 10_000, imds: { endpoint: server.url }, poll: { intervalMs: 100, backoff: 1 }, ...isolated() });
    clearTimeout(timer);
    const elapsed = performance.now() - started;
    expect(result).toEqual({ tags: PRODUCTION, facts: { instanceId: ID, privateIp: "10.0.1.23", source: "imds" } });
    expect(elapsed).toBeGreaterThanOrEqual(1950);
    expect(elapsed).toBeLessThan(3500);
    expect(tagReads(server)).toBeGreaterThan(10);
    expect(ec2Mock.commandCalls(DescribeTagsCommand)).toHaveLength(0);
  });

  it("fails closed with exit 3 after the wait, not before, when tags/instance stays 404 and DescribeTags cannot run", async () => {
    const server = await imds({ tags: null });
    const started = performance.now();
    const error = (await readTags({ tagWaitMs: 1500, imds: { endpoint: server.url }, poll: { intervalMs: 100, backoff: 1 }, ...isolated() }).catch(
      (e: unknown) => e,
    )) as IdentityError;
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(IdentityError);
    expect(error.exitCode).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(4000);
    expect(error.message).toMatch(
      /^waited 1\.5 s for unibox:mode: instance metadata answered 404 for tags\/instance \d+ times \(instance-metadata tags off, or not there yet\); DescribeTags: not tried, no credentials on this instance/,
    );
    expect(error.details.join("\n")).toMatch(/InstanceMetadataTags/);
    expect(ec2Mock.commandCalls(DescribeTagsCommand)).toHaveLength(0);
  });

  it("takes the tags from DescribeTags, well before the wait ends, when tags/instance stays 404", async () => {
    const server = await imds({ tags: null, role: "box-role", region: "eu-central-1" });
    ec2Mock.on(DescribeTagsCommand).resolves({
      Tags: Object.entries(PRODUCTION).map(([Key, Value]) => ({ Key, Value, ResourceId: ID, ResourceType: "instance" })),
    });
    const started = performance.now();
    // No client injected: the instance role makes DescribeTags worth trying, through a client made for IMDS's region.
    const result = await readTags({ tagWaitMs: 10_000, imds: { endpoint: server.url }, ...isolated() });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result).toEqual({ tags: PRODUCTION, facts: { instanceId: ID, privateIp: "10.0.1.23", source: "describe-tags" } });
    const calls = ec2Mock.commandCalls(DescribeTagsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input.Filters).toContainEqual({ Name: "resource-id", Values: [ID] });
    expect(await (calls[0].thisValue as EC2Client).config.region()).toBe("eu-central-1");
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
