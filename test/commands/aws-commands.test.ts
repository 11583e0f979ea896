// The AWS commands through the CLI, against mocked EC2 and Auto Scaling clients (nothing leaves the machine):
// `review up|ls|down|reap --target ec2`, `fleet ls --target ec2`, `promote --target ec2`, `image prune --target
// ec2`, `rollout` and `rollback`. What users rely on: exit codes, the --json documents, the ids in the text, and
// the guards (a production instance is never terminated or imaged) holding through the glue.
// The CLI has no option for poll intervals: every mocked wait is terminal at its first poll, and the two
// deadline paths use the smallest bound the CLI takes (`review up --wait 1`, `rollout --timeout 200ms`).
import {
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  StartInstanceRefreshCommand,
  type AutoScalingGroup,
  type InstanceRefresh,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateImageCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageReferencesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
  TerminateInstancesCommand,
  type Image,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { callNames } from "../autoscaling/fake-autoscaling.js";
import { awsError, FakeBoxes, PARENT_AMI, reviewBoxTags, tags } from "../ec2/fake-boxes.js";
import { runCli, runJson } from "../helpers/cli.js";
import { signalListeners, stubHealth, useFakeAwsEnv, type FakeHealth } from "./aws-cli-world.js";

const ec2Mock = mockClient(EC2Client);
const asgMock = mockClient(AutoScalingClient);

let restoreEnv: () => void;
let listenersBefore: number;
let health: FakeHealth;
let fake: FakeBoxes;

beforeAll(() => {
  restoreEnv = useFakeAwsEnv();
});
afterAll(() => {
  restoreEnv();
  ec2Mock.restore();
  asgMock.restore();
});
beforeEach(() => {
  ec2Mock.reset();
  asgMock.reset();
  fake = new FakeBoxes(ec2Mock);
  // A launched box runs at the first look, and a new AMI is available at the first look: the CLI's 5 s polls never come.
  fake.launchPendingPolls = 0;
  fake.imagePendingPolls = 0;
  health = stubHealth();
  listenersBefore = signalListeners();
});
afterEach(() => {
  vi.unstubAllGlobals();
  // Ctrl-C handling is per command: none may stay installed after it returned.
  expect(signalListeners()).toBe(listenersBefore);
});

/** Every EC2 and Auto Scaling call that changes something. */
const mutating = () => [...callNames(ec2Mock), ...callNames(asgMock)].filter((n) => !n.startsWith("Describe"));
const awsCalls = () => ec2Mock.calls().length + asgMock.calls().length;

/** `--json` of a command expected to fail: its exit code and the error document. */
async function failJson(args: string[]) {
  const r = await runCli([...args, "--json"]);
  return { code: r.code, stderr: r.stderr, error: JSON.parse(r.stdout).error as { message: string; exitCode: number; details: string[] } };
}

const FUTURE = "2031-01-01T00:00:00.000Z";
const PAST = "2020-01-01T00:00:00.000Z";

describe("review ls --target ec2", () => {
  let pr12: string;
  let pr7: string;
  let pr9: string;
  beforeEach(() => {
    pr12 = fake.seedInstance({ id: "i-0000000000000a012", privateIp: "10.0.0.12", publicIp: "198.51.100.12", tags: reviewBoxTags("pr-12", { "unibox:expires-at": FUTURE, "unibox:ref.api": "feature/login" }) });
    pr7 = fake.seedInstance({ id: "i-0000000000000a007", privateIp: "10.0.0.7", tags: reviewBoxTags("pr-7") });
    pr9 = fake.seedInstance({ id: "i-0000000000000a009", privateIp: "10.0.0.9", state: "stopped", tags: reviewBoxTags("pr-9") });
    // Found by the filters, but an Auto Scaling member: not a review box whatever its tags say.
    fake.seedInstance({ id: "i-0000000000000a0a5", privateIp: "10.0.0.50", tags: reviewBoxTags("asg-box", { "aws:autoscaling:groupName": "api-web" }) });
    fake.seedInstance({ id: "i-0000000000000b001", privateIp: "10.0.1.1", tags: tags({ "unibox:mode": "production", "unibox:service": "api" }) });
    health.status.set("198.51.100.12", 200);
    health.status.set("10.0.0.7", 503);
  });

  it("prints { boxes } with each box's name, url, image, expiry and health, asked on the status port", async () => {
    const { boxes } = await runJson(["review", "ls", "--target", "ec2"]);

    expect(boxes).toEqual([
      {
        name: "pr-12",
        target: "ec2",
        url: "http://198.51.100.12:8080/",
        image: PARENT_AMI,
        refs: { api: { ref: "feature/login" } },
        createdAt: "2025-06-01T08:00:00.000Z",
        expiresAt: FUTURE,
        lastActivity: "2025-06-01T08:00:00.000Z",
        healthy: true,
        state: "running",
        instanceId: pr12,
      },
      expect.objectContaining({ name: "pr-7", url: "http://10.0.0.7:8080/", image: PARENT_AMI, healthy: false, state: "running", instanceId: pr7 }),
      expect.objectContaining({ name: "pr-9", healthy: null, state: "stopped", instanceId: pr9 }),
    ]);
    expect(boxes[1].expiresAt).toBeUndefined();
    // A stopped box is not asked; the others on 9100, the default status port.
    expect(health.asked.sort()).toEqual(["http://10.0.0.7:9100/health", "http://198.51.100.12:9100/health"]);
    expect(fake.inputs("DescribeInstances")[0].Filters).toEqual([
      { Name: "tag:unibox:mode", Values: ["review"] },
      { Name: "tag:unibox:managed-by", Values: ["unibox"] },
      { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ]);
    expect(mutating()).toEqual([]);
  });

  it("prints a table a person reads: names, health, expiry and URLs", async () => {
    const r = await runCli(["review", "ls", "--target", "ec2"]);

    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split("\n");
    expect(header.split(/\s+/)).toEqual(["NAME", "STATE", "HEALTHY", "IMAGE", "REFS", "AGE", "IDLE", "EXPIRES", "URL"]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^pr-12\s+running\s+yes\s+ami-0c0ffee0c0ffee001\s+api@feature\/login\s+.*\bin \d+d\s+http:\/\/198\.51\.100\.12:8080\/$/);
    expect(rows[1]).toMatch(/^pr-7\s+running\s+no\s+.*\bnever\s+http:\/\/10\.0\.0\.7:8080\/$/);
    expect(rows[2]).toMatch(/^pr-9\s+stopped\s+-\s/);
  });

  it("says there are none when no review box runs", async () => {
    for (const id of [...fake.instances.keys()]) fake.instances.delete(id);
    const r = await runCli(["review", "ls", "--target", "ec2"]);
    expect(r).toMatchObject({ code: 0, stdout: "no review boxes (unibox review up makes one)\n" });
    expect(await runJson(["review", "ls", "--target", "ec2"])).toEqual({ boxes: [] });
  });

  it("exits 1 naming the permission when EC2 refuses the listing", async () => {
    fake.failOn("DescribeInstances", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
    const { code, error } = await failJson(["review", "ls", "--target", "ec2"]);
    expect(code).toBe(1);
    expect(error).toMatchObject({ exitCode: 1, message: expect.stringContaining("listing the review boxes failed (UnauthorizedOperation") });
    expect(error.message).toContain("needs ec2:DescribeInstances");
  });
});

describe("review up --target ec2", () => {
  let newest: string;
  beforeEach(() => {
    fake.seedImage({ id: "ami-0000000000000e001", creationDate: "2025-05-01T00:00:00.000Z", tags: tags({ "unibox:sealed": "true" }) });
    newest = fake.seedImage({ id: "ami-0000000000000e002", creationDate: "2025-06-01T00:00:00.000Z", tags: tags({ "unibox:sealed": "true" }) });
    // Not sealed: a build still making it, or one that failed.
    fake.seedImage({ id: "ami-0000000000000e003", creationDate: "2025-06-02T00:00:00.000Z", tags: tags({ "unibox:fingerprint": "f".repeat(64) }) });
    fake.launchIp = "10.0.0.42";
  });
  const UP = ["review", "up", "--target", "ec2", "--name", "pr-42", "--ref", "api=feature/login"];

  it("launches the newest sealed AMI with the flags given, waits until healthy, and prints { boxes: [box] }", async () => {
    health.status.set("10.0.0.42", 200);
    const before = Date.now();
    const { boxes } = await runJson([
      ...UP,
      "--ttl",
      "2h",
      "--instance-type",
      "t3.medium",
      "--subnet",
      "subnet-0fedcba9876543210",
      "--security-group",
      "sg-0aaaaaaaaaaaaaaa1",
      "--security-group",
      "sg-0bbbbbbbbbbbbbbb2",
      "--iam-instance-profile",
      "unibox-review",
      "--key-name",
      "qa",
    ]);
    const after = Date.now();

    const [run] = fake.inputs("RunInstances");
    expect(run).toMatchObject({
      ImageId: newest,
      InstanceType: "t3.medium",
      SubnetId: "subnet-0fedcba9876543210",
      SecurityGroupIds: ["sg-0aaaaaaaaaaaaaaa1", "sg-0bbbbbbbbbbbbbbb2"],
      IamInstanceProfile: { Name: "unibox-review" },
      KeyName: "qa",
      MinCount: 1,
      MaxCount: 1,
    });
    const runTags = Object.fromEntries(run.TagSpecifications[0].Tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value]));
    expect(runTags).toMatchObject({ "unibox:mode": "review", "unibox:box": "pr-42", "unibox:managed-by": "unibox", "unibox:ref.api": "feature/login", "unibox:image": newest });
    // --ttl counts from the launch.
    const expires = Date.parse(runTags["unibox:expires-at"]);
    expect(expires).toBeGreaterThanOrEqual(before + 2 * 3_600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(after + 2 * 3_600_000 + 1000);

    const id = fake.created[0];
    expect(boxes).toEqual([
      expect.objectContaining({ name: "pr-42", target: "ec2", url: "http://10.0.0.42:8080/", image: newest, expiresAt: runTags["unibox:expires-at"], healthy: true, state: "running", instanceId: id }),
    ]);
    expect(health.asked).toEqual(["http://10.0.0.42:9100/health"]);
    expect(fake.callNames()).toEqual(["DescribeInstances", "DescribeImages", "RunInstances", "DescribeInstances"]);
  });

  it("prints the URL and how to take the box down, with progress on stderr", async () => {
    health.status.set("10.0.0.42", 200);
    const r = await runCli(UP);

    expect(r.code).toBe(0);
    const id = fake.created[0];
    expect(r.stdout).toContain("review box pr-42 is up and healthy: http://10.0.0.42:8080/");
    expect(r.stdout).toContain("Take it down: unibox review down pr-42 --target ec2");
    expect(r.stderr).toContain(`launching review box pr-42: t3.large from ${newest}`);
    expect(r.stderr).toContain(`${id} launched; waiting for it to run`);
  });

  it("gives a box no expiry with --ttl 0", async () => {
    health.status.set("10.0.0.42", 200);
    const { boxes } = await runJson([...UP, "--ttl", "0"]);
    expect(boxes[0].expiresAt).toBeUndefined();
    expect(fake.inputs("RunInstances")[0].TagSpecifications[0].Tags.map((t: { Key: string }) => t.Key)).not.toContain("unibox:expires-at");
  });

  it("exits 4 when the box is not healthy within --wait, and terminates it", async () => {
    health.status.set("10.0.0.42", 503);
    const { code, error, stderr } = await failJson([...UP, "--wait", "1"]);

    const id = fake.created[0];
    expect(code).toBe(4);
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain(`review box pr-42 (${id}) was not healthy within 1 s of its launch: http://10.0.0.42:9100/health last said HTTP 503`);
    expect(error.details).toContain(`${id} was terminated: nothing is left of the box`);
    expect(stderr).toContain(`unibox: review box pr-42 (${id}) was not healthy`);
    expect(fake.inputs("TerminateInstances")).toEqual([{ InstanceIds: [id] }]);
    expect(fake.leftOver()).toEqual([]);
  });

  it("exits 1 when the instance never runs, and terminates it", async () => {
    fake.bootsTo = "terminated";
    const r = await runCli(UP);

    const id = fake.created[0];
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the instance ${id} ended terminated (Server.InsufficientInstanceCapacity`);
    expect(fake.leftOver()).toEqual([]);
  });

  it("refuses a name already taken (exit 2), launching nothing", async () => {
    const taken = fake.seedInstance({ tags: reviewBoxTags("pr-42") });
    const r = await runCli(UP);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`a box named pr-42 already exists: ${taken} (running)`);
    expect(mutating()).toEqual([]);
  });

  it.each([
    ["a name EC2 tags and hostnames cannot carry", ["review", "up", "--target", "ec2", "--name", "PR_42"], 'review box name "PR_42" must match'],
    ["a --ref without a ref", ["review", "up", "--target", "ec2", "--name", "pr-42", "--ref", "api"], "--ref expects KEY=VALUE"],
    ["a --wait that is not a number", [...UP, "--wait", "soon"], "--wait expects a whole number"],
    ["a --stack-ref (an EC2 box runs the stack baked in its AMI)", [...UP, "--stack-ref", "add-billing"], "--stack-ref is for review boxes on this machine"],
    ["a --ttl past ten years", [...UP, "--ttl", "99999h"], "--ttl may be at most 3650 days"],
  ])("refuses %s (exit 2) before any AWS call", async (_what, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(awsCalls()).toBe(0);
  });
});

describe("review down --target ec2", () => {
  it("terminates the named box and prints it as EC2 left it", async () => {
    const id = fake.seedInstance({ id: "i-0000000000000a012", tags: reviewBoxTags("pr-12") });
    const other = fake.seedInstance({ id: "i-0000000000000a013", tags: reviewBoxTags("pr-13") });

    const { boxes } = await runJson(["review", "down", "pr-12", "--target", "ec2"]);

    expect(boxes).toEqual([expect.objectContaining({ name: "pr-12", instanceId: id, state: "shutting-down", target: "ec2" })]);
    expect(fake.inputs("TerminateInstances")).toEqual([{ InstanceIds: [id] }]);
    expect(fake.instances.get(other)!.terminating).toBe(false);
  });

  it("names the terminated instance in its text", async () => {
    const id = fake.seedInstance({ tags: reviewBoxTags("pr-12") });
    const r = await runCli(["review", "down", "pr-12", "--target", "ec2"]);
    expect(r).toMatchObject({ code: 0, stdout: `review box pr-12 is down and removed (instance ${id} terminated)\n` });
    expect(r.stderr).toContain(`terminating ${id} (review box pr-12)`);
  });

  it.each([
    ["a production instance", tags({ "unibox:mode": "production", "unibox:service": "api", "unibox:box": "pr-12" }), "it is tagged unibox:mode=production, not review"],
    ["a review-tagged instance unibox did not launch", tags({ "unibox:mode": "review", "unibox:box": "pr-12" }), "it is tagged unibox:mode=review but not unibox:managed-by=unibox: unibox did not launch it"],
    ["a member of an Auto Scaling group", reviewBoxTags("pr-12", { "aws:autoscaling:groupName": "api-web" }), "it belongs to the Auto Scaling group api-web"],
  ])("refuses to terminate %s carrying the box's name (exit 2): TerminateInstances is never called", async (_what, instanceTags, why) => {
    const id = fake.seedInstance({ id: "i-0000000000000c0de", tags: instanceTags });

    const { code, error } = await failJson(["review", "down", "pr-12", "--target", "ec2"]);

    expect(code).toBe(2);
    expect(error.message).toContain("refusing to terminate pr-12: only a review box unibox launched");
    expect(error.details).toContain(`${id}: ${why}`);
    expect(ec2Mock.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    expect(fake.instances.get(id)!.terminating).toBe(false);
  });

  it("terminates nothing when one of two instances of that name is not a review box", async () => {
    fake.seedInstance({ tags: reviewBoxTags("pr-12") });
    fake.seedInstance({ tags: tags({ "unibox:mode": "production", "unibox:box": "pr-12" }) });
    const r = await runCli(["review", "down", "pr-12", "--target", "ec2"]);
    expect(r.code).toBe(2);
    expect(ec2Mock.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it("terminates every live instance of the name, should a box have been launched twice", async () => {
    const first = fake.seedInstance({ tags: reviewBoxTags("pr-12") });
    const second = fake.seedInstance({ tags: reviewBoxTags("pr-12"), state: "stopped" });
    const r = await runCli(["review", "down", "pr-12", "--target", "ec2"]);
    expect(r.code).toBe(0);
    expect(fake.inputs("TerminateInstances")).toEqual([{ InstanceIds: [first] }, { InstanceIds: [second] }]);
  });

  it("exits 2 when no box has that name", async () => {
    const r = await runCli(["review", "down", "pr-404", "--target", "ec2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no review box named pr-404 on EC2");
    expect(mutating()).toEqual([]);
  });

  it.each([
    ["no name at all", ["review", "down", "--target", "ec2"], "missing required argument 'name'"],
    ["an empty name", ["review", "down", "", "--target", "ec2"], "review down needs the box's name"],
  ])("is a usage error (exit 2) given %s, and asks AWS nothing", async (_what, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    const { error } = await failJson(args);
    expect(error).toMatchObject({ exitCode: 2, message: expect.stringContaining(message) });
    expect(awsCalls()).toBe(0);
  });

  it("exits 1 with the command to run by hand when EC2 refuses the terminate", async () => {
    const id = fake.seedInstance({ tags: reviewBoxTags("pr-12") });
    fake.failOn("TerminateInstances", awsError("OperationNotPermitted", "The instance has termination protection enabled."));
    const { code, error } = await failJson(["review", "down", "pr-12", "--target", "ec2"]);
    expect(code).toBe(1);
    expect(error.message).toContain(`could not terminate ${id}: OperationNotPermitted`);
    expect(error.details).toContain(`by hand: aws ec2 terminate-instances --instance-ids ${id}`);
  });
});

describe("review reap --target ec2", () => {
  let expired: string;
  let maxAged: string;
  let asgMember: string;
  beforeEach(() => {
    expired = fake.seedInstance({ id: "i-0000000000000d001", tags: reviewBoxTags("pr-1", { "unibox:expires-at": PAST }) });
    maxAged = fake.seedInstance({ id: "i-0000000000000d002", tags: reviewBoxTags("pr-2", { "unibox:expires-at": FUTURE, "unibox:max-age-at": PAST }) });
    fake.seedInstance({ id: "i-0000000000000d003", tags: reviewBoxTags("pr-3", { "unibox:expires-at": FUTURE }) });
    fake.seedInstance({ id: "i-0000000000000d004", tags: reviewBoxTags("pr-4") });
    // Matches the review filters and has expired, but is an Auto Scaling member: never reaped.
    asgMember = fake.seedInstance({ id: "i-0000000000000d005", tags: reviewBoxTags("pr-5", { "unibox:expires-at": PAST, "aws:autoscaling:groupName": "api-web" }) });
  });

  it("lists what would be reaped with --dry-run, terminating nothing", async () => {
    const out = await runJson(["review", "reap", "--target", "ec2", "--dry-run"]);

    expect(out.dryRun).toBe(true);
    expect(out.boxes.map((b: { name: string; instanceId: string }) => [b.name, b.instanceId])).toEqual([
      ["pr-1", expired],
      ["pr-2", maxAged],
    ]);
    expect(out.kept.map((b: { name: string }) => b.name)).toEqual(["pr-3", "pr-4"]);
    expect(mutating()).toEqual([]);
  });

  it("terminates every expired review box and only those", async () => {
    const r = await runCli(["review", "reap", "--target", "ec2"]);

    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^removed 2 expired review box\(es\):\n/);
    expect(r.stdout).toMatch(/\npr-1\s+shutting-down\s/);
    expect(r.stdout).toMatch(/\npr-2\s+shutting-down\s/);
    expect(fake.inputs("TerminateInstances")).toEqual([{ InstanceIds: [expired] }, { InstanceIds: [maxAged] }]);
    expect(r.stderr).toContain(`skipping ${asgMember}: it belongs to the Auto Scaling group api-web`);
  });
});

describe("fleet ls --target ec2", () => {
  let api: string;
  let worker: string;
  let review: string;
  beforeEach(() => {
    api = fake.seedInstance({ id: "i-0000000000000f001", privateIp: "10.0.1.1", tags: tags({ "unibox:mode": "production", "unibox:service": "api", "unibox:component": "web" }) });
    worker = fake.seedInstance({ id: "i-0000000000000f002", privateIp: "10.0.1.2", state: "stopped", tags: tags({ "unibox:mode": "production", "unibox:service": "worker" }) });
    review = fake.seedInstance({ id: "i-0000000000000f003", privateIp: "10.0.0.12", tags: reviewBoxTags("pr-12") });
    fake.seedInstance({ id: "i-0000000000000f004", privateIp: "10.9.9.9", tags: tags({ Name: "not-ours" }) });
    health.status.set("10.0.1.1", 200);
    health.status.set("10.0.0.12", 503);
  });

  it("prints { boxes } of every instance tagged unibox:mode, by mode, service and name, with health", async () => {
    const { boxes } = await runJson(["fleet", "ls", "--target", "ec2"]);

    expect(boxes).toEqual([
      { name: api, target: "ec2", mode: "production", service: "api", component: "web", image: PARENT_AMI, state: "running", healthy: true, instanceId: api, address: "10.0.1.1", launchedAt: "2025-06-01T08:00:00.000Z" },
      expect.objectContaining({ name: worker, mode: "production", service: "worker", state: "stopped", healthy: null }),
      expect.objectContaining({ name: "pr-12", mode: "review", state: "running", healthy: false, instanceId: review }),
    ]);
    expect(fake.inputs("DescribeInstances")[0].Filters).toEqual([
      { Name: "tag-key", Values: ["unibox:mode"] },
      { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ]);
  });

  it("filters by --mode and --service in the query", async () => {
    const { boxes } = await runJson(["fleet", "ls", "--target", "ec2", "--mode", "production", "--service", "api"]);
    expect(boxes.map((b: { instanceId: string }) => b.instanceId)).toEqual([api]);
    expect(fake.inputs("DescribeInstances")[0].Filters).toEqual([
      { Name: "tag-key", Values: ["unibox:mode"] },
      { Name: "tag:unibox:mode", Values: ["production"] },
      { Name: "tag:unibox:service", Values: ["api"] },
      { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ]);
  });

  it("prints a table, or that none was found", async () => {
    const r = await runCli(["fleet", "ls", "--target", "ec2"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0].split(/\s+/)).toEqual(["NAME", "MODE", "SERVICE", "IMAGE", "STATE", "HEALTHY"]);
    expect(lines[1]).toMatch(new RegExp(`^${api}\\s+production\\s+api\\.web\\s+${PARENT_AMI}\\s+running\\s+yes$`));
    expect(lines[3]).toMatch(/^pr-12\s+review\s+-\s+\S+\s+running\s+no$/);

    const none = await runCli(["fleet", "ls", "--target", "ec2", "--mode", "staging"]);
    expect(none).toMatchObject({ code: 0, stdout: "no boxes found\n" });
  });
});

describe("promote --target ec2", () => {
  const LT = "lt-0a1b2c3d4e5f60718";
  let boxId: string;
  beforeEach(() => {
    fake.seedImage({
      id: PARENT_AMI,
      tags: tags({ "unibox:fingerprint": "f".repeat(64), "unibox:repo:api": "1".repeat(40), "unibox:repo:web": "2".repeat(40), "unibox:sealed": "true" }),
    });
    boxId = fake.seedInstance({ id: "i-0000000000000a012", imageId: PARENT_AMI, privateIp: "10.0.0.12", tags: reviewBoxTags("pr-12", { "unibox:ref.api": "feature/login" }) });
    health.status.set("10.0.0.12", 200);
    ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", DefaultVersionNumber: 6, LatestVersionNumber: 6 }] });
    ec2Mock.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { LaunchTemplateId: LT, VersionNumber: 7 } });
    ec2Mock.on(ModifyLaunchTemplateCommand).resolves({});
  });
  const newAmi = () => [...fake.images.keys()].filter((id) => id !== PARENT_AMI);

  it("images the healthy box, seals the AMI, makes it the launch template's default, and prints the promotion", async () => {
    const out = await runJson(["promote", "pr-12", "--target", "ec2", "--launch-template", "api-web"]);

    const [ami] = newAmi();
    expect(out).toEqual({
      id: ami,
      promotedFrom: "pr-12",
      promotion: { box: "pr-12", instanceId: boxId, image: PARENT_AMI },
      repos: { api: "ref:feature/login", web: "2".repeat(40) },
      healthVerifiedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      launchTemplate: { launchTemplateId: LT, launchTemplateName: "api-web", version: 7, previousDefault: 6 },
    });
    expect(fake.inputs("CreateImage")).toEqual([expect.objectContaining({ InstanceId: boxId, NoReboot: false })]);
    expect(Object.fromEntries(fake.images.get(ami)!.tags.map((t) => [t.Key, t.Value]))).toMatchObject({ "unibox:sealed": "true", "unibox:promoted-from-box": "pr-12", "unibox:parent-image": PARENT_AMI });
    expect(ec2Mock.commandCalls(DescribeLaunchTemplatesCommand)[0].args[0].input).toEqual({ LaunchTemplateNames: ["api-web"] });
    expect(ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)[0].args[0].input).toMatchObject({
      LaunchTemplateId: LT,
      SourceVersion: "6",
      LaunchTemplateData: { ImageId: ami },
      VersionDescription: "unibox: promoted from review box pr-12",
    });
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand)[0].args[0].input).toEqual({ LaunchTemplateId: LT, DefaultVersion: "7" });
    expect(health.asked).toEqual(["http://10.0.0.12:9100/health"]);
  });

  it("names the box, the instance, the AMI and the new template version in its text", async () => {
    const r = await runCli(["promote", "pr-12", "--target", "ec2", "--launch-template", LT]);

    const [ami] = newAmi();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`promoted review box pr-12 (${boxId}) to ${ami} (from ${PARENT_AMI}; health verified `);
    expect(r.stdout).toContain(`launch template ${LT}: version 7 is the default now (was 6); roll it out: unibox rollout --asg NAME`);
    expect(ec2Mock.commandCalls(DescribeLaunchTemplatesCommand)[0].args[0].input).toEqual({ LaunchTemplateIds: [LT] });
  });

  it("touches no launch template without --launch-template", async () => {
    const out = await runJson(["promote", "pr-12", "--target", "ec2"]);
    expect(out.id).toBe(newAmi()[0]);
    expect(out.launchTemplate).toBeUndefined();
    expect(callNames(ec2Mock).filter((n) => n.includes("LaunchTemplate"))).toEqual([]);
  });

  it("refuses to image a production instance carrying the box's name (exit 2): CreateImage is never called", async () => {
    fake.instances.delete(boxId);
    const prod = fake.seedInstance({ imageId: PARENT_AMI, privateIp: "10.0.0.12", tags: tags({ "unibox:mode": "production", "unibox:service": "api", "unibox:box": "pr-12" }) });

    const { code, error } = await failJson(["promote", "pr-12", "--target", "ec2", "--launch-template", "api-web"]);

    expect(code).toBe(2);
    expect(error.message).toContain("refusing to promote pr-12");
    expect(error.details).toContain(`${prod}: it is tagged unibox:mode=production, not review`);
    expect(ec2Mock.commandCalls(CreateImageCommand)).toHaveLength(0);
    expect(mutating()).toEqual([]);
  });

  it("exits 1 creating nothing when the box is not healthy right now", async () => {
    health.status.set("10.0.0.12", 503);
    const r = await runCli(["promote", "pr-12", "--target", "ec2"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("review box pr-12 is not healthy right now (http://10.0.0.12:9100/health: HTTP 503)");
    expect(mutating()).toEqual([]);
  });

  it("exits 2 on a launch template that does not exist, before the box is imaged (no reboot, no AMI)", async () => {
    ec2Mock.on(DescribeLaunchTemplatesCommand).rejects(awsError("InvalidLaunchTemplateName.NotFoundException", "At least one of the launch templates specified in the request does not exist."));

    const { code, error } = await failJson(["promote", "pr-12", "--target", "ec2", "--launch-template", "api-wbe"]);

    expect(code).toBe(2);
    expect(error.message).toBe("no launch template api-wbe in this account and region");
    expect(ec2Mock.commandCalls(CreateImageCommand)).toHaveLength(0);
    expect(newAmi()).toEqual([]);
    expect(fake.leftOver()).toEqual([]);
    expect(ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)).toHaveLength(0);
  });
});

describe("image prune --target ec2", () => {
  const LT = "lt-0a1b2c3d4e5f60718";
  const AMI = { newest: "ami-00000000000000a01", second: "ami-00000000000000a02", onInstance: "ami-00000000000000a03", ofGroup: "ami-00000000000000a04", promoted: "ami-00000000000000a05", old1: "ami-00000000000000a06", old2: "ami-00000000000000a07" };
  const snap = (ami: string, i = 0) => `snap-0${ami.slice(-3)}00000000000${i}`;
  const image = (ami: string, index: number, extra: Record<string, string> = {}, snapshots = 1): Image => ({
    ImageId: ami,
    Name: `unibox-${index}`,
    State: "available",
    CreationDate: new Date(Date.parse("2025-06-10T10:00:00.000Z") - index * 86_400_000).toISOString(),
    Tags: Object.entries({ "unibox:fingerprint": "f".repeat(64), "unibox:sealed": "true", ...extra }).map(([Key, Value]) => ({ Key, Value })),
    BlockDeviceMappings: Array.from({ length: snapshots }, (_, i) => ({ DeviceName: `/dev/xvd${"abc"[i]}`, Ebs: { SnapshotId: snap(ami, i) } })),
  });
  beforeEach(() => {
    // Plain mocks: the prune's queries (image-id filters, image references) are beyond FakeBoxes.
    ec2Mock.reset();
    const images = Object.values(AMI).map((ami, i) => image(ami, i, ami === AMI.promoted ? { "unibox:promoted-from-box": "pr-41" } : {}, ami === AMI.old1 ? 2 : 1));
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [...images].reverse() });
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: "i-0123456789abcdef0", ImageId: AMI.onInstance, State: { Name: "stopped", Code: 80 } }] }] });
    asgMock.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ AutoScalingGroupName: "api-web", LaunchTemplate: { LaunchTemplateId: LT, Version: "$Default" } } as AutoScalingGroup] });
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", VersionNumber: 7, DefaultVersion: true, LaunchTemplateData: { ImageId: AMI.ofGroup } }] });
    ec2Mock.on(DescribeImageReferencesCommand).resolves({ ImageReferences: [] });
    ec2Mock.on(DeregisterImageCommand).resolves({ Return: true });
    ec2Mock.on(DeleteSnapshotCommand).resolves({});
  });

  it("prints { removed, kept, failed } with --dry-run, newest first, and removes nothing", async () => {
    const out = await runJson(["image", "prune", "--target", "ec2", "--keep", "2", "--dry-run"]);

    expect(out.dryRun).toBe(true);
    expect(out.failed).toEqual([]);
    expect(out.removed).toEqual([
      { imageId: AMI.old1, created: "2025-06-05T10:00:00.000Z", snapshots: [snap(AMI.old1, 0), snap(AMI.old1, 1)] },
      { imageId: AMI.old2, created: "2025-06-04T10:00:00.000Z", snapshots: [snap(AMI.old2)] },
    ]);
    expect(out.kept.map((k: { imageId: string; reason: string }) => [k.imageId, k.reason])).toEqual([
      [AMI.newest, "one of the newest 2"],
      [AMI.second, "one of the newest 2"],
      [AMI.onInstance, "in use: instance i-0123456789abcdef0 (stopped) runs it"],
      [AMI.ofGroup, "in use: the Auto Scaling group api-web launches it (launch template api-web version 7 ($Default))"],
      [AMI.promoted, "promoted from the box pr-41: promoted AMIs are pruned only when included"],
    ]);
    expect(mutating()).toEqual([]);
  });

  it("lets promoted AMIs nothing uses go too with --include-promoted", async () => {
    const out = await runJson(["image", "prune", "--target", "ec2", "--keep", "2", "--dry-run", "--include-promoted"]);
    expect(out.removed.map((r: { imageId: string }) => r.imageId)).toEqual([AMI.promoted, AMI.old1, AMI.old2]);
    expect(mutating()).toEqual([]);
  });

  it("deregisters the unused AMIs and deletes their snapshots, exit 0", async () => {
    const r = await runCli(["image", "prune", "--target", "ec2", "--keep", "2"]);

    expect(r.code).toBe(0);
    expect(r.stdout).toContain("removed 2 AMI(s) and their snapshots:");
    expect(r.stdout).toContain(`  ${AMI.old1} (${snap(AMI.old1, 0)}, ${snap(AMI.old1, 1)})`);
    expect(r.stdout).toContain(`  kept ${AMI.onInstance}: in use: instance i-0123456789abcdef0 (stopped) runs it`);
    expect(ec2Mock.commandCalls(DeregisterImageCommand).map((c) => c.args[0].input.ImageId)).toEqual([AMI.old1, AMI.old2]);
    expect(ec2Mock.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId)).toEqual([snap(AMI.old1, 0), snap(AMI.old1, 1), snap(AMI.old2)]);
  });

  it("exits 1 when an AMI could not be removed, still printing the document with what to delete by hand", async () => {
    ec2Mock.on(DeregisterImageCommand, { ImageId: AMI.old2 }).rejects(awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));

    const r = await runCli(["image", "prune", "--target", "ec2", "--keep", "2", "--json"]);

    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.removed.map((x: { imageId: string }) => x.imageId)).toEqual([AMI.old1]);
    expect(out.failed).toEqual([
      {
        resource: AMI.old2,
        error: "UnauthorizedOperation: You are not authorized to perform this operation.",
        deleteByHand: [`aws ec2 deregister-image --image-id ${AMI.old2}`, `aws ec2 delete-snapshot --snapshot-id ${snap(AMI.old2)}`],
      },
    ]);
    const text = await runCli(["image", "prune", "--target", "ec2", "--keep", "2"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`  could not remove ${AMI.old2}: UnauthorizedOperation`);
    expect(text.stdout).toContain(`    aws ec2 deregister-image --image-id ${AMI.old2}`);
  });

  it("removes nothing and exits 1 when a use cannot be checked", async () => {
    ec2Mock.on(DescribeImageReferencesCommand).rejects(awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
    const { code, error } = await failJson(["image", "prune", "--target", "ec2", "--keep", "2"]);
    expect(code).toBe(1);
    expect(error.message).toContain("nothing was removed, since an AMI in use must not be");
    expect(mutating()).toEqual([]);
  });

  it.each([
    ["without --keep", ["image", "prune", "--target", "ec2"], "--keep <n>"],
    ["with a --keep that is not a number", ["image", "prune", "--target", "ec2", "--keep", "all"], "--keep expects a whole number"],
  ])("is a usage error (exit 2) %s, before any AWS call", async (_what, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(awsCalls()).toBe(0);
  });
});

describe("rollout", () => {
  const LT = "lt-0a1b2c3d4e5f60718";
  const AMI: Record<number, string> = { 6: "ami-0aaaaaaaaaaaaaa06", 7: "ami-0aaaaaaaaaaaaaa07", 8: "ami-0aaaaaaaaaaaaaa08" };
  const REFRESH = "08b91cf7-8fa6-48af-b6a6-d227f40f1b9b";
  const member = (id: string, version: string) => ({ InstanceId: id, AvailabilityZone: "eu-west-1a", LifecycleState: "InService" as const, HealthStatus: "Healthy", ProtectedFromScaleIn: false, LaunchTemplate: { LaunchTemplateId: LT, LaunchTemplateName: "api-web", Version: version } });
  let group: AutoScalingGroup;
  /** What every DescribeInstanceRefreshes answers: the CLI polls every 15 s, so the first answer must do. */
  const refreshIs = (state: Partial<InstanceRefresh>) =>
    asgMock.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: REFRESH, AutoScalingGroupName: "api-web", ...state }] });

  beforeEach(() => {
    group = {
      AutoScalingGroupName: "api-web",
      MinSize: 2,
      MaxSize: 6,
      DesiredCapacity: 2,
      DefaultCooldown: 300,
      AvailabilityZones: ["eu-west-1a"],
      HealthCheckType: "ELB",
      CreatedTime: new Date("2025-01-10T09:00:00Z"),
      LaunchTemplate: { LaunchTemplateId: LT, LaunchTemplateName: "api-web", Version: "$Default" },
      Instances: [member("i-0000000000000000a", "6"), member("i-0000000000000000b", "7")],
    };
    asgMock.on(DescribeAutoScalingGroupsCommand).callsFake((input: { AutoScalingGroupNames: string[] }) => ({ AutoScalingGroups: input.AutoScalingGroupNames[0] === "api-web" ? [group] : [] }));
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: { Versions: string[] }) => {
      const wanted = input.Versions[0];
      const n = wanted === "$Latest" ? 8 : wanted === "$Default" ? 7 : Number(wanted);
      if (!AMI[n]) throw awsError("InvalidLaunchTemplateId.VersionNotFound", `Could not find launch template version ${wanted}`);
      return { LaunchTemplateVersions: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", VersionNumber: n, DefaultVersion: n === 7, LaunchTemplateData: { ImageId: AMI[n] } }] };
    });
    asgMock.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: REFRESH });
    refreshIs({ Status: "Successful", PercentageComplete: 100, InstancesToUpdate: 0 });
  });

  it("refreshes the group to the default version pinned as a number, and prints the result", async () => {
    const out = await runJson(["rollout", "--asg", "api-web", "--checkpoints", "20,50,100"]);

    expect(out).toEqual({ asg: "api-web", launchTemplate: { id: LT, name: "api-web", version: "7" }, imageId: AMI[7], refreshId: REFRESH, status: "Successful", percentageComplete: 100 });
    expect(asgMock.commandCalls(StartInstanceRefreshCommand).map((c) => c.args[0].input)).toEqual([
      {
        AutoScalingGroupName: "api-web",
        Strategy: "Rolling",
        DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: LT, Version: "7" } },
        Preferences: { MinHealthyPercentage: 90, SkipMatching: true, AutoRollback: true, CheckpointPercentages: [20, 50, 100], CheckpointDelay: 300 },
      },
    ]);
  });

  it("takes --version and --min-healthy, and names the group, version, AMI and refresh in its text", async () => {
    const r = await runCli(["rollout", "--asg", "api-web", "--version", "8", "--min-healthy", "75"]);

    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`api-web runs api-web version 8 (${AMI[8]}): instance refresh ${REFRESH} Successful\n`);
    expect(r.stderr).toContain(`api-web: started instance refresh ${REFRESH}`);
    expect(asgMock.commandCalls(StartInstanceRefreshCommand)[0].args[0].input).toMatchObject({
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: LT, Version: "8" } },
      Preferences: { MinHealthyPercentage: 75, SkipMatching: true, AutoRollback: true },
    });
    expect(asgMock.commandCalls(StartInstanceRefreshCommand)[0].args[0].input.Preferences).not.toHaveProperty("CheckpointPercentages");
  });

  it("lists the instances a refresh would replace with --dry-run, starting nothing", async () => {
    const out = await runJson(["rollout", "--asg", "api-web", "--dry-run"]);
    expect(out).toEqual({ asg: "api-web", launchTemplate: { id: LT, name: "api-web", version: "7" }, imageId: AMI[7], status: "dry-run", replaced: ["i-0000000000000000a"] });

    const r = await runCli(["rollout", "--asg", "api-web", "--dry-run"]);
    expect(r.stdout).toBe(`dry run: a refresh of api-web to api-web version 7 (${AMI[7]}) would replace 1 instance(s):\n  i-0000000000000000a\n`);
    expect(mutating()).toEqual([]);
  });

  it.each([
    ["RollbackSuccessful", { Status: "RollbackSuccessful", RollbackDetails: { RollbackReason: "Instance health check failed" } }, `the instance refresh ${REFRESH} of api-web failed and was rolled back: Instance health check failed`],
    ["Failed", { Status: "Failed", StatusReason: "launch failed" }, `the instance refresh ${REFRESH} of api-web ended Failed: launch failed`],
    ["Cancelled", { Status: "Cancelled" }, `the instance refresh ${REFRESH} of api-web was cancelled`],
  ])("exits 1 when the refresh ends %s", async (_status, state, message) => {
    refreshIs(state as Partial<InstanceRefresh>);
    const { code, error } = await failJson(["rollout", "--asg", "api-web"]);
    expect(code).toBe(1);
    expect(error.message).toBe(message);
    expect(error.details).toContain(`see what happened: aws autoscaling describe-instance-refreshes --auto-scaling-group-name api-web --instance-refresh-ids ${REFRESH}`);
  });

  it("exits 4 when the refresh is still running at --timeout, leaving it to AWS", async () => {
    refreshIs({ Status: "InProgress", PercentageComplete: 50, InstancesToUpdate: 1 });
    const { code, error } = await failJson(["rollout", "--asg", "api-web", "--timeout", "200ms"]);
    expect(code).toBe(4);
    expect(error.message).toContain(`the instance refresh ${REFRESH} of api-web was not done within 200 ms (InProgress, 50%, 1 instance to update)`);
    expect(error.details).toContain("stop it and go back to the previous version: aws autoscaling rollback-instance-refresh --auto-scaling-group-name api-web");
    expect(asgMock.commandCalls(CancelInstanceRefreshCommand)).toHaveLength(0);
  });

  it.each(["50,20", "20,50", "0,50,100", "20,,100", "twenty,100", "20,50,100,100"])("refuses --checkpoints %s (exit 2) before any AWS call", async (checkpoints) => {
    const { code, error } = await failJson(["rollout", "--asg", "api-web", "--checkpoints", checkpoints]);
    expect(code).toBe(2);
    expect(error.message).toBe(`--checkpoints ${JSON.stringify(checkpoints)}: expected ascending percentages ending at 100, e.g. 20,50,100`);
    expect(awsCalls()).toBe(0);
  });

  it.each([
    ["without --asg", ["rollout"], "--asg <name>"],
    ["with --min-healthy over 100", ["rollout", "--asg", "api-web", "--min-healthy", "150"], "--min-healthy expects a whole number from 0 to 100"],
    ["with a --timeout that is not a duration", ["rollout", "--asg", "api-web", "--timeout", "forever"], "--timeout expects a duration"],
  ])("is a usage error (exit 2) %s", async (_what, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(awsCalls()).toBe(0);
  });

  it.each([
    ["a group that does not exist", ["rollout", "--asg", "api-wbe"], "no Auto Scaling group api-wbe in this account and region"],
    ["a version the template does not have", ["rollout", "--asg", "api-web", "--version", "9"], `the launch template ${LT} has no version 9`],
  ])("exits 2 on %s, starting nothing", async (_what, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(mutating()).toEqual([]);
  });
});

describe("rollback", () => {
  const LT = "lt-0a1b2c3d4e5f60718";
  beforeEach(() => {
    ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", DefaultVersionNumber: 7, LatestVersionNumber: 8 }] });
    // Version 6 was deleted: the one before the default is 5.
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [8, 7, 5].map((n) => ({ LaunchTemplateId: LT, LaunchTemplateName: "api-web", VersionNumber: n, DefaultVersion: n === 7, LaunchTemplateData: { ImageId: `ami-0aaaaaaaaaaaaaa0${n}` } })),
    });
    ec2Mock.on(ModifyLaunchTemplateCommand).resolves({});
  });

  it("makes the version before the default the default again, and prints from and to", async () => {
    const out = await runJson(["rollback", "--launch-template", "api-web"]);
    expect(out).toEqual({ launchTemplateId: LT, launchTemplateName: "api-web", from: 7, to: 5, imageId: "ami-0aaaaaaaaaaaaaa05" });
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand).map((c) => c.args[0].input)).toEqual([{ LaunchTemplateId: LT, DefaultVersion: "5" }]);

    const r = await runCli(["rollback", "--launch-template", LT]);
    expect(r.stdout).toBe(`api-web (${LT}): version 5 (ami-0aaaaaaaaaaaaaa05) is the default again (was 7); roll it out: unibox rollout --asg NAME\n`);
  });

  it("exits 2 when there is no version to go back to, changing nothing", async () => {
    ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", DefaultVersionNumber: 1, LatestVersionNumber: 1 }] });
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", VersionNumber: 1, DefaultVersion: true }] });
    const { code, error } = await failJson(["rollback", "--launch-template", "api-web"]);
    expect(code).toBe(2);
    expect(error.message).toContain("has no version below its default 1: nothing to roll back to");
    expect(mutating()).toEqual([]);
  });

  it("is a usage error (exit 2) without --launch-template", async () => {
    const r = await runCli(["rollback"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--launch-template <lt>");
    expect(awsCalls()).toBe(0);
  });
});
