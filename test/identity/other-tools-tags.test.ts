// Tags that other tools put on the instance ("Cost Center", "kubernetes.io/cluster/x") never stop a box:
// from every source, unibox reads its own `unibox:` keys and leaves the rest alone.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { IdentityError } from "../../src/errors.js";
import { describeTagsOnce } from "../../src/identity/describe-tags.js";
import { openImds } from "../../src/identity/imds.js";
import { parseTagsText } from "../../src/identity/tags-file.js";
import { identityFromTags, type Tags } from "../../src/identity/tags.js";
import { loadStack } from "../../src/stack/load.js";
import type { Stack } from "../../src/stack/types.js";
import { runCli } from "../helpers/cli.js";
import { removeStack, writeStack } from "../helpers/stack-dir.js";
import { startImdsServer, type FakeImds } from "../helpers/imds-server.js";

const ID = "i-0123456789abcdef0";
const REVIEW = { "unibox:mode": "review", "unibox:box": "a" };
const REVIEW_IDENTITY = { mode: "review", box: "a", refs: {} };
/** Keys real instances carry, put there by people, Kubernetes, autoscaling and CloudFormation. */
const OTHER_TOOLS: Record<string, string> = {
  "Cost Center": "42",
  "kubernetes.io/cluster/x": "owned",
  "aws:autoscaling:groupName": "review-asg",
  "aws:cloudformation:stack-name": "review",
  "team/owner": "platform",
  "Ünïcode key": "v",
  Name: "review-a",
};

const ec2Mock = mockClient(EC2Client);
const servers: FakeImds[] = [];
let stack: Stack;

beforeAll(() => {
  const root = writeStack();
  try {
    stack = loadStack(root);
  } finally {
    removeStack(root);
  }
});

afterEach(async () => {
  ec2Mock.reset();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The tags as each source reads them when the instance carries `given`. */
const SOURCES: { source: string; read: (given: Record<string, string>) => Promise<Tags> }[] = [
  { source: "a JSON tags file", read: async (given) => parseTagsText(JSON.stringify(given), "tags.json") },
  {
    source: "a KEY=VALUE tags file",
    read: async (given) => parseTagsText(Object.entries(given).map(([k, v]) => `${k}=${v}\n`).join(""), "tags"),
  },
  {
    source: "DescribeTags",
    read: async (given) => {
      ec2Mock.on(DescribeTagsCommand).resolves({
        Tags: Object.entries(given).map(([Key, Value]) => ({ Key, Value, ResourceId: ID, ResourceType: "instance" })),
      });
      const client = new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } });
      return describeTagsOnce({ instanceId: ID, client });
    },
  },
  {
    source: "instance metadata",
    read: async (given) => {
      const server = await startImdsServer({ tags: given });
      servers.push(server);
      const opened = await openImds({ endpoint: server.url });
      if (opened.kind !== "answered") throw opened.error;
      const tags = await opened.imds.readTags();
      if (tags === "not-found") throw new Error("tags/instance answered 404");
      return tags;
    },
  },
];

describe("other tools' tag keys", () => {
  it.each(SOURCES)("do not stop a review box when read from $source", async ({ read }) => {
    const tags = await read({ ...REVIEW, ...OTHER_TOOLS });
    expect(identityFromTags(tags, stack)).toEqual(REVIEW_IDENTITY);
  });

  it.each(SOURCES)("are not mentioned when the box is refused for its own tags, read from $source", async ({ read }) => {
    const tags = await read({ "unibox:mode": "review", ...OTHER_TOOLS });
    let error: unknown;
    try {
      identityFromTags(tags, stack);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IdentityError);
    const text = [(error as IdentityError).message, ...(error as IdentityError).details].join("\n");
    expect(text).toMatch(/^missing tag unibox:box: a review box needs a name; starting nothing/);
    for (const key of Object.keys(OTHER_TOOLS)) expect(text).not.toContain(key);
  });

  it("are listed by instance metadata but not read, so a key it cannot serve as listed costs nothing", async () => {
    const server = await startImdsServer({ tags: { ...REVIEW, ...OTHER_TOOLS } });
    servers.push(server);
    const opened = await openImds({ endpoint: server.url });
    if (opened.kind !== "answered") throw opened.error;
    expect(await opened.imds.readTags()).toEqual(REVIEW);
    const reads = server.log.filter((r) => r.method === "GET" && r.path.startsWith("/latest/meta-data/tags/instance/")).map((r) => r.path);
    expect(reads.sort()).toEqual(["/latest/meta-data/tags/instance/unibox:box", "/latest/meta-data/tags/instance/unibox:mode"]);
  });

  it("still refuses a unibox: key with characters instance-metadata tags do not allow, read percent-encoded from instance metadata", async () => {
    const server = await startImdsServer({ tags: { ...REVIEW, "unibox:ref.my repo": "main" } });
    servers.push(server);
    const opened = await openImds({ endpoint: server.url });
    if (opened.kind !== "answered") throw opened.error;
    const tags = await opened.imds.readTags();
    expect(tags).toEqual({ ...REVIEW, "unibox:ref.my repo": "main" });
    expect(server.log.map((r) => r.rawPath)).toContain("/latest/meta-data/tags/instance/unibox%3Aref.my%20repo");
    expect(() => identityFromTags(tags as Tags, stack)).toThrow(
      'tag key "unibox:ref.my repo" has characters instance-metadata tags do not allow (letters, digits, + - = . , _ : @); rename it',
    );
  });

  it("let `unibox plan --tags-file` plan the box the unibox: tags describe", async () => {
    const root = writeStack();
    const file = join(root, "tags.json");
    writeFileSync(file, JSON.stringify({ "unibox:mode": "review", "unibox:box": "a", "Cost Center": "42", "kubernetes.io/cluster/x": "owned" }));
    const { code, stdout, stderr } = await runCli(["plan", "--root", root, "--tags-file", file, "--cpus", "2", "--json"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ mode: "review", instances: [{ name: "api.main.0" }] });
  });
});
