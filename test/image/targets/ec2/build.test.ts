import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import {
  CreateImageCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetConsoleOutputCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { RuntimeFailure } from "../../../../src/errors.js";
import { BuildFailure, silentReporter, type Reporter } from "../../../../src/image/runner.js";
import { ec2Target, type Ec2TargetOptions } from "../../../../src/image/targets/ec2/index.js";
import type { BuildInput } from "../../../../src/image/types.js";
import { BASE_AMI, BUILD_ID, buildInput, CONSOLE_FAILED, CONSOLE_OK, CONSOLE_RUNNING, FINGERPRINT, manifest, SCRIPT, STARTED, TREE } from "./build-input.js";
import { awsError, DEFAULT_VPC, ec2Client, FakeEc2, SUBNET, sendOptions } from "./fake-ec2.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

// Polls and retries every millisecond. A bound a test must not reach is generous (a loaded machine is slow);
// a test that wants a bound reached sets it to a few milliseconds.
const TIMING = { pollMs: 1, buildTimeoutMs: 5000, imageTimeoutMs: 5000, consoleTimeoutMs: 5000, cleanupTimeoutMs: 5000, retry: { attempts: 4, baseMs: 1, maxMs: 2 } };
const SHORT = 20;

let fake: FakeEc2;
beforeEach(() => {
  ec2Mock.reset();
  fake = new FakeEc2(ec2Mock, { states: ["pending", "running", "stopped"], consoleRunning: CONSOLE_RUNNING, consoleStopped: [CONSOLE_OK] });
});

function target(options: Partial<Ec2TargetOptions> = {}) {
  return ec2Target({
    ec2: ec2Client(),
    ami: { name: "debian-12-amd64-*", owners: ["136693071363"], architecture: "x86_64" },
    timing: TIMING,
    now: () => STARTED,
    ...options,
  });
}

function build(input: BuildInput = buildInput(), options: { signal?: AbortSignal; reporter?: Reporter; target?: Partial<Ec2TargetOptions> } = {}) {
  return target(options.target).build(input, { signal: options.signal ?? new AbortController().signal, reporter: options.reporter ?? silentReporter });
}

async function buildFailure(promise: Promise<unknown>): Promise<BuildFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuildFailure);
  return error as BuildFailure;
}

const buildTags = (name: string) => [
  { Key: "Name", Value: name },
  { Key: "unibox:build-id", Value: BUILD_ID },
  { Key: "unibox:fingerprint", Value: FINGERPRINT },
  { Key: "unibox:build-started", Value: "2025-06-02T10:30:00.000Z" },
];
const IMAGE_NAME = `unibox-3f9a2c41d07b-${BUILD_ID}`;

/** Every resource the build created was deleted, and nothing it made is still there. */
function expectNothingLeft() {
  expect(new Set(fake.deleted)).toEqual(new Set(fake.created));
  expect(fake.live()).toEqual([]);
}

describe("an ec2 build", () => {
  it("creates a group, a builder and a sealed AMI with exactly these calls, then removes the scaffolding", async () => {
    const image = await build();

    expect(fake.callNames()).toEqual([
      "DescribeVpcs",
      "CreateSecurityGroup",
      "RunInstances",
      "DescribeInstances", // pending
      "DescribeInstances", // running
      "GetConsoleOutput",
      "DescribeInstances", // stopped
      "GetConsoleOutput",
      "CreateImage",
      "DescribeImages", // the waiter: pending
      "DescribeImages", // available
      "CreateTags",
      "CreateTags",
      "TerminateInstances",
      "DescribeInstances", // shutting-down
      "DescribeInstances", // terminated
      "DeleteSecurityGroup",
    ]);

    const [sg] = fake.created.filter((id) => id.startsWith("sg-"));
    const [instance] = fake.created.filter((id) => id.startsWith("i-"));
    const [ami] = fake.created.filter((id) => id.startsWith("ami-"));
    const snapshots = fake.created.filter((id) => id.startsWith("snap-"));
    expect(snapshots).toHaveLength(2);
    expect(image).toEqual({ id: ami, fingerprint: FINGERPRINT, created: "2025-06-02T10:41:07.000Z", location: "ec2" });

    expect(ec2Mock.commandCalls(DescribeVpcsCommand)[0].args[0].input).toEqual({ Filters: [{ Name: "is-default", Values: ["true"] }] });
    expect(ec2Mock.commandCalls(CreateSecurityGroupCommand)[0].args[0].input).toEqual({
      GroupName: `unibox-build-${BUILD_ID}`,
      Description: `unibox image build ${BUILD_ID}: no inbound rule`,
      VpcId: DEFAULT_VPC,
      TagSpecifications: [{ ResourceType: "security-group", Tags: buildTags(`unibox-build-${BUILD_ID}`) }],
    });

    const run = ec2Mock.commandCalls(RunInstancesCommand)[0].args[0].input;
    expect(gunzipSync(Buffer.from(run.UserData!, "base64")).toString("utf8")).toBe(SCRIPT);
    expect(run).toEqual({
      ImageId: BASE_AMI,
      InstanceType: "t3.small",
      MinCount: 1,
      MaxCount: 1,
      SecurityGroupIds: [sg],
      UserData: run.UserData,
      InstanceInitiatedShutdownBehavior: "stop",
      MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
      TagSpecifications: [
        { ResourceType: "instance", Tags: buildTags(`unibox-build-${BUILD_ID}`) },
        { ResourceType: "volume", Tags: buildTags(`unibox-build-${BUILD_ID}`) },
      ],
      ClientToken: `unibox-${BUILD_ID}`,
    });

    for (const call of ec2Mock.commandCalls(GetConsoleOutputCommand)) expect(call.args[0].input).toEqual({ InstanceId: instance, Latest: true });

    expect(ec2Mock.commandCalls(CreateImageCommand)[0].args[0].input).toEqual({
      InstanceId: instance,
      Name: IMAGE_NAME,
      Description: `unibox image ${FINGERPRINT}, build ${BUILD_ID}`,
      TagSpecifications: [
        { ResourceType: "image", Tags: buildTags(IMAGE_NAME) },
        { ResourceType: "snapshot", Tags: buildTags(IMAGE_NAME) },
      ],
    });

    const [provenance, seal] = ec2Mock.commandCalls(CreateTagsCommand).map((c) => c.args[0].input);
    expect(provenance).toEqual({
      Resources: [ami, ...snapshots],
      Tags: [
        { Key: "unibox:fingerprint", Value: FINGERPRINT },
        { Key: "unibox:id", Value: "img-20250602-3f9a2c41d07b" },
        { Key: "unibox:created", Value: "2025-06-02T10:30:00.000Z" },
        { Key: "unibox:base", Value: BASE_AMI },
        { Key: "unibox:unibox-version", Value: "0.1.0" },
        { Key: "unibox:builder", Value: "ci-runner-7" },
        { Key: "unibox:ci-run", Value: "https://github.com/acme/stack/actions/runs/9311870001" },
        { Key: "unibox:repo:api", Value: "4b825dc642cb6eb9a060e54bf8d69288fbee4904" },
        { Key: "unibox:repo:web", Value: "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391" },
        { Key: "unibox:runtime:node", Value: "20.20.2" },
        { Key: "unibox:tree", Value: TREE },
      ],
    });
    expect(seal).toEqual({ Resources: [ami, ...snapshots], Tags: [{ Key: "unibox:sealed", Value: "true" }] });

    expect(ec2Mock.commandCalls(TerminateInstancesCommand)[0].args[0].input).toEqual({ InstanceIds: [instance] });
    expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand)[0].args[0].input).toEqual({ GroupId: sg });

    // The AMI and its snapshots stay, sealed; the scaffolding is gone.
    expect(fake.live().sort()).toEqual([ami, ...snapshots].sort());
    expect(new Set(fake.deleted)).toEqual(new Set([sg, instance]));
    expect(fake.images.get(ami)!.tags).toContainEqual({ Key: "unibox:sealed", Value: "true" });
  });

  it("passes the build's AbortSignal to every call a step makes", async () => {
    const signal = new AbortController().signal;
    await build(buildInput(), { signal });
    const calls = ec2Mock.calls();
    const firstCleanup = fake.callNames().indexOf("TerminateInstances");
    // The SDK's waiter sends its DescribeImages without options (it races the signal instead).
    const stepCalls = calls.slice(0, firstCleanup).filter((c) => c.args[0].constructor.name !== "DescribeImagesCommand");
    expect(stepCalls).toHaveLength(11);
    for (const call of stepCalls) expect(sendOptions(call)).toEqual({ abortSignal: signal });
    // Cleanups run after a cancel too: they must not carry the build's signal.
    for (const call of calls.slice(firstCleanup)) expect(sendOptions(call)).toEqual({ abortSignal: undefined });
  });

  it("reports each provisioning phase the console shows", async () => {
    const messages: string[] = [];
    await build(buildInput(), { reporter: { ...silentReporter, stepProgress: (step, message) => messages.push(`${step.name}: ${message}`) } });
    const phases = messages.filter((m) => m.startsWith("wait-for-provisioning:")).map((m) => / phase (\S+)/.exec(m)?.[1]);
    expect(phases.filter(Boolean)).toEqual(["packages", "runtimes", "repos", "seal"]);
  });

  it("creates the group in the given subnet's VPC and launches the builder there, on the type asked for", async () => {
    await build(buildInput(), { target: { subnetId: SUBNET.id, instanceType: "c7a.large" } });
    expect(ec2Mock.commandCalls(CreateSecurityGroupCommand)[0].args[0].input.VpcId).toBe(SUBNET.vpc);
    expect(ec2Mock.commandCalls(RunInstancesCommand)[0].args[0].input).toMatchObject({ SubnetId: SUBNET.id, InstanceType: "c7a.large" });
  });

  it("launches a t4g.small builder for an arm64 base", async () => {
    await build(buildInput(), { target: { ami: { name: "debian-12-arm64-*", owners: ["136693071363"], architecture: "arm64" } } });
    expect(ec2Mock.commandCalls(RunInstancesCommand)[0].args[0].input.InstanceType).toBe("t4g.small");
  });
});

describe("a failure at each step", () => {
  type Setup = (f: FakeEc2) => void;
  const fails =
    (command: string, error: Error): Setup =>
    (f) => {
      f.failOn(command, error);
    };
  const pendingForever: Setup = (f) => {
    f.imagePendingPolls = Infinity;
  };
  const endsFailed: Setup = (f) => {
    f.imageFinalState = "failed";
  };
  it.each([
    { step: "create-security-group", why: "DescribeVpcs is denied", setup: fails("DescribeVpcs", awsError("UnauthorizedOperation", "You are not authorized to perform this operation.")), made: [] },
    { step: "create-security-group", why: "the group limit is reached", setup: fails("CreateSecurityGroup", awsError("SecurityGroupLimitExceeded", "The maximum number of security groups has been reached.")), made: [] },
    {
      step: "launch-builder",
      why: "EC2 has no capacity",
      setup: fails("RunInstances", awsError("InsufficientInstanceCapacity", "We currently do not have sufficient t3.small capacity in the Availability Zone you requested (eu-west-1a).")),
      made: ["sg"],
    },
    { step: "wait-for-provisioning", why: "DescribeInstances is denied", setup: fails("DescribeInstances", awsError("UnauthorizedOperation", "You are not authorized to perform this operation.")), made: ["sg", "i"] },
    { step: "wait-for-provisioning", why: "GetConsoleOutput fails", setup: fails("GetConsoleOutput", awsError("InternalError", "An internal error has occurred", "server")), made: ["sg", "i"] },
    { step: "create-image", why: "CreateImage is refused", setup: fails("CreateImage", awsError("InvalidParameterValue", "Invalid value for name")), made: ["sg", "i"] },
    { step: "create-image", why: "the waiter times out", setup: pendingForever, timing: { imageTimeoutMs: SHORT }, made: ["sg", "i", "ami", "snap", "snap"] },
    { step: "create-image", why: "the AMI ends failed", setup: endsFailed, made: ["sg", "i", "ami", "snap", "snap"] },
    { step: "tag-image", why: "CreateTags is refused", setup: fails("CreateTags", awsError("TagLimitExceeded", "The maximum number of tags has been reached.")), made: ["sg", "i", "ami", "snap", "snap"] },
  ])("at $step ($why): every resource created is deleted", async ({ step, setup, timing, made }) => {
    setup(fake);
    const failure = await buildFailure(build(buildInput(), { target: { timing: { ...TIMING, ...timing } } }));

    expect(failure.step).toBe(step);
    expect(failure.cancelled).toBe(false);
    expect(fake.created.map((id) => id.split("-")[0])).toEqual(made);
    expectNothingLeft();
    expect(failure.details.at(-1)).toBe("every cleanup ran: nothing this build created is left behind");
  });

  it("at tag-image, when only the seal fails: the AMI with its provenance is deleted all the same", async () => {
    fake.failOn("CreateTags", awsError("UnauthorizedOperation", "not authorized"), { when: (input) => input.Tags[0].Key === "unibox:sealed" });
    const failure = await buildFailure(build());
    expect(failure.step).toBe("tag-image");
    expect(failure.message).toMatch(/tagging ami-\w+, snap-\w+, snap-\w+ failed \(UnauthorizedOperation: not authorized\); the AWS identity running unibox needs ec2:CreateTags/);
    expect(fake.created.filter((id) => id.startsWith("ami-"))).toHaveLength(1);
    expectNothingLeft();
  });

  it("when the AMI ends failed: fails naming EC2's reason, and deletes the AMI and its snapshots", async () => {
    fake.imageFinalState = "failed";
    const failure = await buildFailure(build());
    expect(failure.step).toBe("create-image");
    expect(failure.message).toMatch(/the AMI ami-\w+ ended failed \(InternalError: Snapshot creation failed\)/);
    expect(fake.created.filter((id) => /^(ami|snap)-/.test(id))).toHaveLength(3);
    expectNothingLeft();
  });

  it.each([
    { command: "CreateSecurityGroup", step: "create-security-group", made: ["sg"] },
    { command: "RunInstances", step: "launch-builder", made: ["sg", "i"] },
    { command: "CreateImage", step: "create-image", made: ["sg", "i", "ami", "snap", "snap"] },
  ])("when the response of $command is lost, finds what it made by the build tag and deletes it", async ({ command, step, made }) => {
    // The create happened, but the caller never learnt the id.
    fake.failOn(command, awsError("RequestTimeout", "Connection timed out after 5000 ms", "server"), { afterEffect: true });
    const failure = await buildFailure(build());
    expect(failure.step).toBe(step);
    expect(fake.created.map((id) => id.split("-")[0])).toEqual(made);
    expectNothingLeft();
  });
});

describe("retries", () => {
  it("retries a throttled RunInstances with the same client token and launches one builder", async () => {
    fake.failOn("RunInstances", awsError("RequestLimitExceeded", "Request limit exceeded."), { times: 2 });
    await build();
    const tokens = ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.ClientToken);
    expect(tokens).toEqual([`unibox-${BUILD_ID}`, `unibox-${BUILD_ID}`, `unibox-${BUILD_ID}`]);
    expect(fake.created.filter((id) => id.startsWith("i-"))).toHaveLength(1);
  });

  it("retries InvalidInstanceID.NotFound right after RunInstances", async () => {
    fake.failOn("DescribeInstances", awsError("InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist"), { times: 2 });
    const image = await build();
    expect(image.id).toMatch(/^ami-/);
    expect(fake.callNames().slice(3, 6)).toEqual(["DescribeInstances", "DescribeInstances", "DescribeInstances"]);
  });

  it("retries InvalidAMIID.NotFound right after CreateImage", async () => {
    fake.failOn("DescribeImages", awsError("InvalidAMIID.NotFound", "The image id '[ami-0123456789abcdef0]' does not exist"), { times: 2 });
    const image = await build();
    expect(image.id).toMatch(/^ami-/);
  });

  it("gives up on throttling after the last attempt and says so", async () => {
    fake.failOn("CreateSecurityGroup", awsError("RequestLimitExceeded", "Request limit exceeded."), { times: 10 });
    const failure = await buildFailure(build());
    expect(ec2Mock.commandCalls(CreateSecurityGroupCommand)).toHaveLength(TIMING.retry.attempts);
    expect(failure.message).toMatch(/EC2 kept throttling after every retry: run the build again later/);
  });
});

describe("bounds and cancel", () => {
  it("fails when the AMI waiter times out, and deregisters the AMI and deletes its snapshots", async () => {
    fake.imagePendingPolls = Infinity;
    const failure = await buildFailure(build(buildInput(), { target: { timing: { ...TIMING, imageTimeoutMs: SHORT } } }));
    expect(failure.step).toBe("create-image");
    expect(failure.message).toMatch(/the AMI ami-\w+ was not available within 20 ms \(it is pending\): raise the image timeout/);
    expect(fake.created.filter((id) => /^(ami|snap)-/.test(id))).toHaveLength(3);
    expectNothingLeft();
  });

  it("deletes everything and reports a cancel when the signal aborts while it waits for the builder", async () => {
    fake.builder.states = ["pending", "running"];
    const controller = new AbortController();
    const reporter: Reporter = {
      ...silentReporter,
      stepProgress: (step, message) => {
        if (step.name === "wait-for-provisioning" && message.includes("running")) controller.abort();
      },
    };
    const failure = await buildFailure(build(buildInput(), { signal: controller.signal, reporter }));
    expect(failure.cancelled).toBe(true);
    expect(failure.step).toBe("wait-for-provisioning");
    expect(failure.steps.map((s) => s.outcome)).toEqual(["done", "done", "cancelled", "skipped", "skipped"]);
    expect(fake.callNames()).not.toContain("CreateImage");
    expectNothingLeft();
  });

  it("reports a cleanup that fails with the instance and the command to delete it by hand, and still runs the others", async () => {
    fake.failOn("CreateTags", awsError("UnauthorizedOperation", "not authorized"));
    fake.failOn("TerminateInstances", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."), { times: 100 });
    // The group's delete then waits in vain for the builder to go: keep that wait short.
    const failure = await buildFailure(build(buildInput(), { target: { timing: { ...TIMING, cleanupTimeoutMs: SHORT } } }));
    const [sg] = fake.created.filter((id) => id.startsWith("sg-"));
    const [instance] = fake.created.filter((id) => id.startsWith("i-"));

    expect(failure.step).toBe("tag-image");
    expect(failure.details).toContain(`cleanup of launch-builder failed: could not terminate the builder instance ${instance}: UnauthorizedOperation: You are not authorized to perform this operation.`);
    expect(failure.details).toContain(`  delete by hand: aws ec2 terminate-instances --instance-ids ${instance}`);
    // The group's cleanup still ran (and could not delete a group the live builder uses); the AMI's did its work.
    expect(failure.details).toContain(`  delete by hand: aws ec2 delete-security-group --group-id ${sg}`);
    expect(fake.callNames()).toContain("DeleteSecurityGroup");
    expect(fake.callNames()).toContain("DeregisterImage");
    expect(fake.live().sort()).toEqual([sg, instance].sort());
  });

  it("fails the build that succeeded when its scaffolding cannot be removed, and keeps the sealed AMI", async () => {
    fake.failOn("TerminateInstances", awsError("UnauthorizedOperation", "You are not authorized to perform this operation."), { times: 100 });
    const failure = await buildFailure(build(buildInput(), { target: { timing: { ...TIMING, cleanupTimeoutMs: SHORT } } }));
    expect(failure.message).toBe("the build succeeded but 2 cleanup(s) failed");
    const [ami] = fake.created.filter((id) => id.startsWith("ami-"));
    expect(fake.live()).toContain(ami);
  });
});

describe("the builder's verdict", () => {
  it("fails at a FAILED marker naming the phase, with the log lines as details, and leaves nothing", async () => {
    fake.builder.consoleStopped = [CONSOLE_FAILED];
    const failure = await buildFailure(build());
    expect(failure.step).toBe("wait-for-provisioning");
    expect(failure.message).toMatch(/provisioning failed in phase repos \(exit status 1\) on the builder i-\w+; its last log lines follow/);
    expect(failure.cause).toBeInstanceOf(RuntimeFailure);
    expect(failure.details.slice(0, 3)).toEqual(["npm ERR! code ERESOLVE", "npm ERR! ERESOLVE unable to resolve dependency tree", "  while building api at 4b825dc6"]);
    expect(fake.callNames()).not.toContain("CreateImage");
    expectNothingLeft();
  });

  it("reads the console again when it lags the stop", async () => {
    fake.builder.consoleStopped = ["", CONSOLE_RUNNING, CONSOLE_OK];
    const image = await build();
    expect(image.id).toMatch(/^ami-/);
    expect(ec2Mock.commandCalls(GetConsoleOutputCommand)).toHaveLength(4);
  });

  it("reads the plain console when the instance type refuses Latest (not a Nitro type), and asks for Latest only once", async () => {
    fake.failOn("GetConsoleOutput", awsError("UnsupportedOperation", "The requested operation is not supported for the instance type t2.small."), {
      times: 100,
      when: (input) => input.Latest === true,
    });
    const image = await build(buildInput(), { target: { instanceType: "t2.small" } });
    expect(image.id).toMatch(/^ami-/);
    const [instance] = fake.created.filter((id) => id.startsWith("i-"));
    expect(ec2Mock.commandCalls(GetConsoleOutputCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: instance, Latest: true },
      { InstanceId: instance },
      { InstanceId: instance },
    ]);
  });

  it("fails when the builder stopped with neither marker, quoting the console's last lines", async () => {
    fake.builder.consoleStopped = [`${CONSOLE_RUNNING}[   70.100000] Out of memory: Killed process 2211 (node)\n[   71.000000] reboot: Power down\n`];
    const failure = await buildFailure(build(buildInput(), { target: { timing: { ...TIMING, consoleTimeoutMs: SHORT } } }));
    expect(failure.step).toBe("wait-for-provisioning");
    expect(failure.message).toMatch(/powered off but its console shows neither UNIBOX-BUILD-OK nor UNIBOX-BUILD-FAILED after 20 ms/);
    expect(failure.details).toContain("  [   70.100000] Out of memory: Killed process 2211 (node)");
    expectNothingLeft();
  });

  it("fails when the builder is terminated behind its back", async () => {
    fake.builder.states = ["pending", "running", "terminated"];
    const failure = await buildFailure(build());
    expect(failure.message).toMatch(/the builder i-\w+ was terminated before it finished provisioning/);
    expectNothingLeft();
  });

  it("fails when the builder is still running at the build timeout", async () => {
    fake.builder.states = ["pending", "running"];
    const failure = await buildFailure(build(buildInput(), { target: { timing: { ...TIMING, buildTimeoutMs: SHORT } } }));
    expect(failure.message).toMatch(/did not finish provisioning within 20 ms \(it is running, in phase runtimes\)/);
    expectNothingLeft();
  });

  it("fails when the OK marker carries another build's fingerprint", async () => {
    fake.builder.consoleStopped = [CONSOLE_OK.replace(`fingerprint=${FINGERPRINT}`, `fingerprint=${"0".repeat(64)}`)];
    const failure = await buildFailure(build());
    expect(failure.message).toMatch(/reported fingerprint 0{64} but this build's is 3f9a/);
    expectNothingLeft();
  });
});

describe("refusing before anything is created", () => {
  it("refuses a provisioning script over EC2's 16 KB user-data limit even gzipped", async () => {
    // Random text hardly compresses: 27 KB of base64 stays over 16 KB gzipped.
    const error = await build(buildInput({ provisionScript: `#!/bin/sh\n# ${randomBytes(20 * 1024).toString("base64")}\n` })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect((error as Error).message).toMatch(/^the provisioning script is \d+ bytes gzipped but EC2 user data is limited to 16384 bytes \(16 KB\); nothing was created$/);
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it("refuses a manifest whose tags would not fit on the AMI", async () => {
    const repos = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`svc-${i}`, { url: `git@github.com:acme/svc-${i}.git`, ref: "main", commit: "a".repeat(40), build: [] }]));
    const error = await build(buildInput({ manifest: manifest({ repos }) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect((error as RuntimeFailure).details).toEqual([
      "the AMI would carry 58 tags but EC2 allows 50 a resource (12 fixed, one per repo: 45, one per runtime: 1); bake fewer repos or runtimes into one image",
    ]);
    expect(ec2Mock.calls()).toHaveLength(0);
  });
});
