// `unibox image build --target ec2` through the CLI, against a mocked EC2 (nothing leaves the machine): the
// recipe resolved from a remote repo and a loopback node mirror, --dry-run creating nothing, reuse by
// fingerprint, local repos refused before any call, and the janitor's dry run.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecurityGroupCommand, DescribeImagesCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli, runJson } from "../helpers/cli.js";
import { initRepo } from "../helpers/git-repo.js";
import { writeStack } from "../helpers/stack-dir.js";

const ec2 = mockClient(EC2Client);
const BASE = { ImageId: "ami-0base0000000000001", Name: "debian-12-amd64-20261101-1920", CreationDate: "2026-11-01T19:20:00.000Z", State: "available" };
let server: Server;
let mirror: string;
let remote: string;
let savedRegion: string | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/dist/index.json") return res.end(JSON.stringify([{ version: "v20.20.2" }]));
    if (req.url === "/dist/v20.20.2/SHASUMS256.txt") return res.end(`${"e".repeat(64)}  node-v20.20.2-linux-x64.tar.xz\n`);
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dist`;
  remote = mkdtempSync(join(tmpdir(), "unibox-remote-api-"));
  writeFileSync(join(remote, "server.js"), "require('http').createServer().listen(process.env.PORT)\n");
  initRepo(remote);
  savedRegion = process.env.AWS_REGION;
  process.env.AWS_REGION = "eu-west-1";
});

afterAll(async () => {
  if (savedRegion === undefined) delete process.env.AWS_REGION;
  else process.env.AWS_REGION = savedRegion;
  ec2.restore();
  rmSync(remote, { recursive: true, force: true });
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeImagesCommand).callsFake((input: { Owners?: string[] }) => ({ Images: input.Owners?.includes("self") ? [] : [BASE] }));
});

function stack(repoUrl = `file://${remote}`): string {
  const root = writeStack({
    "image/image.yaml": `base:\n  ami: { name: "debian-12-amd64-*", owners: ["136693071363"] }\nruntimes:\n  node: "20"\nmirrors:\n  node: ${mirror}\nrepos:\n  - name: api\n    url: ${repoUrl}\n    ref: main\n    build: ["npm ci --omit=dev"]\n`,
    "apps/api/README": null,
  });
  return root;
}

const creates = () => [...ec2.commandCalls(CreateSecurityGroupCommand), ...ec2.commandCalls(RunInstancesCommand)].length;

describe("image build on the ec2 target, through the CLI", () => {
  it("shows the steps, the resources and the resolved recipe on --dry-run, and creates nothing", async () => {
    const root = stack();
    const dry = await runJson(["image", "build", "--root", root, "--target", "ec2", "--dry-run"]);
    expect(dry).toMatchObject({ target: "ec2", dryRun: true, reused: false, repos: { api: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    expect(dry.steps.map((s: { name: string }) => s.name)).toEqual(["create-security-group", "launch-builder", "wait-for-provisioning", "create-image", "tag-image"]);
    expect(dry.resources.map((r: { kind: string }) => r.kind)).toEqual(expect.arrayContaining(["security-group", "instance", "ami"]));
    expect(creates()).toBe(0);
    // The base is the newest AMI matching the filter, and no image of ours has the fingerprint yet.
    const [base, reuse] = ec2.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input);
    expect(base).toMatchObject({ Owners: ["136693071363"], Filters: expect.arrayContaining([{ Name: "name", Values: ["debian-12-amd64-*"] }]) });
    expect(reuse).toMatchObject({ Owners: ["self"], Filters: expect.arrayContaining([{ Name: "tag:unibox:fingerprint", Values: [dry.fingerprint] }]) });
  });

  it("reuses the AMI that already has the fingerprint and creates nothing", async () => {
    const root = stack();
    const { fingerprint } = await runJson(["image", "build", "--root", root, "--target", "ec2", "--dry-run"]);
    ec2.on(DescribeImagesCommand).callsFake((input: { Owners?: string[] }) => ({
      Images: input.Owners?.includes("self")
        ? [{ ImageId: "ami-0built00000000001", CreationDate: "2026-11-20T10:00:00.000Z", State: "available", Tags: [{ Key: "unibox:fingerprint", Value: fingerprint }, { Key: "unibox:sealed", Value: "true" }] }]
        : [BASE],
    }));
    const r = await runJson(["image", "build", "--root", root, "--target", "ec2"]);
    expect(r).toMatchObject({ id: "ami-0built00000000001", fingerprint, reused: true, target: "ec2" });
    expect(creates()).toBe(0);
  });

  it("refuses a local repo path before any AWS call: the builder could not reach it", async () => {
    const root = writeStack({ "image/image.yaml": `base:\n  ami: { name: "debian-12-*", owners: ["136693071363"] }\nmirrors:\n  node: ${mirror}\nrepos:\n  - name: api\n    url: ./apps/api\n` });
    initRepo(root);
    const r = await runCli(["image", "build", "--root", root, "--target", "ec2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the ec2 builder cannot reach local repos: api (./apps/api)");
    expect(creates()).toBe(0);
  });

  it("says which builds' leftovers the janitor would delete, deleting nothing, with --cleanup-orphans --dry-run", async () => {
    const old = new Date(Date.now() - 5 * 3600_000).toISOString();
    const tags = [{ Key: "unibox:build-id", Value: "ub-20261101-000000-abcdef" }, { Key: "unibox:build-started", Value: old }];
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: "i-0123456789abcdef0", State: { Name: "stopped" }, LaunchTime: new Date(old), Tags: tags }] }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    const root = stack();
    const r = await runJson(["image", "build", "--root", root, "--target", "ec2", "--cleanup-orphans", "--dry-run"]);
    expect(r.deleted).toEqual([expect.objectContaining({ kind: "instance", name: "i-0123456789abcdef0" })]);
    expect(r.dryRun).toBe(true);
    expect(ec2.calls().map((c) => (c.args[0] as object).constructor.name).filter((n) => !n.startsWith("Describe"))).toEqual([]);
  });

  it("refuses --older-than that is not a duration, before any AWS call", async () => {
    const r = await runCli(["image", "build", "--root", stack(), "--target", "ec2", "--cleanup-orphans", "--older-than", "soon"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--older-than expects a duration such as 90s, 30m or 3h, found "soon"');
    expect(ec2.calls()).toHaveLength(0);
  });
});
