import {
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  StartInstanceRefreshCommand,
  type AutoScalingGroup,
  type InstanceRefresh,
} from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { rollout, type RolloutDeps } from "../../src/autoscaling/index.js";
import { RuntimeFailure, UnhealthyError, UsageError } from "../../src/errors.js";
import { awsError, ec2Client } from "../image/targets/ec2/fake-ec2.js";
import { asgError, autoScalingClient, callNames, FAST_RETRY } from "./fake-autoscaling.js";

const asgMock = mockClient(AutoScalingClient);
const ec2Mock = mockClient(EC2Client);
afterAll(() => {
  asgMock.restore();
  ec2Mock.restore();
});

const LT = "lt-0a1b2c3d4e5f60718";
const AMI = { 6: "ami-0aaaaaaaaaaaaaa06", 7: "ami-0aaaaaaaaaaaaaa07", 8: "ami-0aaaaaaaaaaaaaa08" } as Record<number, string>;
const REFRESH = "08b91cf7-8fa6-48af-b6a6-d227f40f1b9b";
const OPTS = { asg: "api-web", minHealthy: 90, dryRun: false };

const instance = (id: string, version: string | undefined, template = LT) => ({
  InstanceId: id,
  AvailabilityZone: "eu-west-1a",
  LifecycleState: "InService" as const,
  HealthStatus: "Healthy",
  ProtectedFromScaleIn: false,
  ...(version === undefined ? { LaunchConfigurationName: "api-web-2019" } : { LaunchTemplate: { LaunchTemplateId: template, LaunchTemplateName: "api-web", Version: version } }),
});

let group: AutoScalingGroup;
let lines: string[];
const deps = (extra: Partial<RolloutDeps> = {}): RolloutDeps => ({
  autoscaling: autoScalingClient(),
  ec2: ec2Client(),
  progress: (line) => lines.push(line),
  pollMs: 1,
  timeoutMs: 5000,
  retry: FAST_RETRY,
  ...extra,
});

// The refresh's statuses, one per DescribeInstanceRefreshes; the last repeats.
function refreshGoes(...states: Partial<InstanceRefresh>[]) {
  let n = 0;
  asgMock.on(DescribeInstanceRefreshesCommand).callsFake(() => {
    const state = states[Math.min(n++, states.length - 1)];
    return { InstanceRefreshes: [{ InstanceRefreshId: REFRESH, AutoScalingGroupName: "api-web", ...state }] };
  });
}

beforeEach(() => {
  asgMock.reset();
  ec2Mock.reset();
  lines = [];
  group = {
    AutoScalingGroupName: "api-web",
    MinSize: 2,
    MaxSize: 6,
    DesiredCapacity: 4,
    DefaultCooldown: 300,
    AvailabilityZones: ["eu-west-1a", "eu-west-1b"],
    HealthCheckType: "ELB",
    CreatedTime: new Date("2025-01-10T09:00:00Z"),
    DefaultInstanceWarmup: 120,
    LaunchTemplate: { LaunchTemplateId: LT, LaunchTemplateName: "api-web", Version: "$Default" },
    Instances: [instance("i-0000000000000000a", "6"), instance("i-0000000000000000b", "6")],
  };
  asgMock.on(DescribeAutoScalingGroupsCommand).callsFake(() => ({ AutoScalingGroups: [group] }));
  ec2Mock.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: { Versions: string[] }) => {
    const wanted = input.Versions[0];
    const n = wanted === "$Latest" ? 8 : wanted === "$Default" ? 7 : Number(wanted);
    if (!AMI[n]) throw awsError("InvalidLaunchTemplateId.VersionNotFound", `Could not find launch template version ${wanted}`);
    return { LaunchTemplateVersions: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", VersionNumber: n, DefaultVersion: n === 7, LaunchTemplateData: { ImageId: AMI[n] } }] };
  });
  asgMock.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: REFRESH });
  refreshGoes(
    { Status: "Pending" },
    { Status: "InProgress", PercentageComplete: 0, InstancesToUpdate: 2 },
    { Status: "InProgress", PercentageComplete: 50, InstancesToUpdate: 1, StatusReason: "Waiting for instances to warm up before continuing." },
    { Status: "Successful", PercentageComplete: 100, InstancesToUpdate: 0 },
  );
});

describe("rollout", () => {
  it("refreshes the group to the default version pinned as a number, rolling back by itself on failure", async () => {
    const result = await rollout(deps(), { ...OPTS, checkpoints: [20, 50, 100] });

    expect(result).toEqual({
      asg: "api-web",
      launchTemplate: { id: LT, name: "api-web", version: "7" },
      imageId: AMI[7],
      refreshId: REFRESH,
      status: "Successful",
      percentageComplete: 100,
    });
    expect(ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand)[0].args[0].input).toEqual({ LaunchTemplateId: LT, Versions: ["$Default"] });
    expect(asgMock.commandCalls(StartInstanceRefreshCommand).map((c) => c.args[0].input)).toEqual([
      {
        AutoScalingGroupName: "api-web",
        Strategy: "Rolling",
        DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: LT, Version: "7" } },
        Preferences: { MinHealthyPercentage: 90, SkipMatching: true, AutoRollback: true, CheckpointPercentages: [20, 50, 100], CheckpointDelay: 300 },
      },
    ]);
    expect(asgMock.commandCalls(DescribeInstanceRefreshesCommand)[0].args[0].input).toEqual({ AutoScalingGroupName: "api-web", InstanceRefreshIds: [REFRESH] });
    // One line per change, not per poll.
    expect(lines.map((l) => l.replace(/ \[[^\]]+\]$/, ""))).toEqual([
      `api-web: launch template api-web (${LT}) version 7, AMI ${AMI[7]}`,
      `api-web: started instance refresh ${REFRESH}`,
      `api-web: refresh ${REFRESH} Pending`,
      `api-web: refresh ${REFRESH} InProgress, 0%, 2 instances to update`,
      `api-web: refresh ${REFRESH} InProgress, 50%, 1 instance to update (Waiting for instances to warm up before continuing.)`,
      `api-web: refresh ${REFRESH} Successful, 100%, 0 instances to update`,
    ]);
  });

  it("sends no checkpoints when none are given, and leaves warm-up to the group", async () => {
    await rollout(deps(), OPTS);
    expect(asgMock.commandCalls(StartInstanceRefreshCommand)[0].args[0].input.Preferences).toEqual({ MinHealthyPercentage: 90, SkipMatching: true, AutoRollback: true });
  });

  it.each([
    ["$Latest", "8"],
    ["6", "6"],
  ])("pins the version asked for (%s) to its number", async (version, pinned) => {
    const result = await rollout(deps(), { ...OPTS, version });
    expect(result.launchTemplate.version).toBe(pinned);
    expect(asgMock.commandCalls(StartInstanceRefreshCommand)[0].args[0].input.DesiredConfiguration).toEqual({ LaunchTemplate: { LaunchTemplateId: LT, Version: pinned } });
  });

  it("keeps a mixed group's instance types and purchase options, changing only the template version", async () => {
    const overrides = [{ InstanceType: "m7g.large" }, { InstanceType: "m6g.large" }];
    const distribution = { OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 25, SpotAllocationStrategy: "price-capacity-optimized" };
    group = {
      ...group,
      LaunchTemplate: undefined,
      MixedInstancesPolicy: {
        LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: LT, LaunchTemplateName: "api-web", Version: "$Latest" }, Overrides: overrides },
        InstancesDistribution: distribution,
      },
    };
    await rollout(deps(), OPTS);
    expect(asgMock.commandCalls(StartInstanceRefreshCommand)[0].args[0].input.DesiredConfiguration).toEqual({
      MixedInstancesPolicy: {
        LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: LT, Version: "7" }, Overrides: overrides },
        InstancesDistribution: distribution,
      },
    });
  });

  it.each([
    { status: "Failed", reason: "Instance i-0c failed health checks.", message: `the instance refresh ${REFRESH} of api-web ended Failed: Instance i-0c failed health checks.` },
    { status: "RollbackSuccessful", reason: "Rollback completed.", message: `the instance refresh ${REFRESH} of api-web failed and was rolled back: 1 instance failed ELB health checks` },
    { status: "RollbackFailed", reason: "Rollback failed.", message: `the instance refresh ${REFRESH} of api-web failed, and so did its rollback: Rollback failed.` },
    { status: "Cancelled", reason: "Cancelled by user.", message: `the instance refresh ${REFRESH} of api-web was cancelled: Cancelled by user.` },
  ])("fails with exit 1 when the refresh ends $status", async ({ status, reason, message }) => {
    refreshGoes(
      { Status: "InProgress", PercentageComplete: 50 },
      { Status: status as InstanceRefresh["Status"], StatusReason: reason, PercentageComplete: 50, RollbackDetails: status === "RollbackSuccessful" ? { RollbackReason: "1 instance failed ELB health checks" } : undefined },
    );
    const error = (await rollout(deps(), OPTS).catch((e: unknown) => e)) as RuntimeFailure;
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(message);
    expect(error.details.at(-1)).toBe(`see what happened: aws autoscaling describe-instance-refreshes --auto-scaling-group-name api-web --instance-refresh-ids ${REFRESH}`);
  });

  it("goes on watching through Baking and a rollback in progress", async () => {
    refreshGoes(
      { Status: "InProgress", PercentageComplete: 100 },
      { Status: "Baking", PercentageComplete: 100 },
      { Status: "RollbackInProgress", RollbackDetails: { PercentageCompleteOnRollback: 40, InstancesToUpdateOnRollback: 3 } },
      { Status: "RollbackSuccessful", RollbackDetails: { RollbackReason: "The alarm api-5xx went into ALARM." } },
    );
    await expect(rollout(deps(), OPTS)).rejects.toThrow("rolled back: The alarm api-5xx went into ALARM.");
    expect(lines.some((l) => l.includes("RollbackInProgress, 40% rolled back, 3 instances to update"))).toBe(true);
    expect(asgMock.commandCalls(DescribeInstanceRefreshesCommand)).toHaveLength(4);
  });

  it("names the refresh already in progress and how to cancel it", async () => {
    asgMock.on(StartInstanceRefreshCommand).rejects(asgError("InstanceRefreshInProgressFault", "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh."));
    asgMock.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [
        { InstanceRefreshId: "c9a2", Status: "InProgress", PercentageComplete: 30, StartTime: new Date("2025-06-02T10:00:00Z") },
        { InstanceRefreshId: "b1f0", Status: "Successful" },
      ],
    });
    const error = (await rollout(deps(), OPTS).catch((e: unknown) => e)) as RuntimeFailure;
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.message).toBe("an instance refresh of api-web is already in progress (c9a2: InProgress, 30%, started 2025-06-02T10:00:00.000Z): nothing was started");
    expect(error.details).toContain("or cancel it: aws autoscaling cancel-instance-refresh --auto-scaling-group-name api-web");
  });

  it("says what Auto Scaling refused, and what the identity lacks", async () => {
    asgMock.on(StartInstanceRefreshCommand).rejects(asgError("AccessDenied", "User is not authorized to perform: autoscaling:StartInstanceRefresh"));
    const error = (await rollout(deps(), OPTS).catch((e: unknown) => e)) as RuntimeFailure;
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.message).toContain("starting an instance refresh of api-web failed (AccessDenied");
    expect(error.message).toContain("autoscaling:StartInstanceRefresh");
    expect(asgMock.commandCalls(DescribeInstanceRefreshesCommand)).toHaveLength(0);
  });

  it("stops watching at the deadline with exit 4, leaving the refresh to AWS and saying how to stop it", async () => {
    refreshGoes({ Status: "InProgress", PercentageComplete: 25, InstancesToUpdate: 3 });
    let t = Date.parse("2025-06-02T12:00:00Z");
    const now = () => new Date((t += 1000));
    const error = (await rollout(deps({ now, timeoutMs: 10_000 }), OPTS).catch((e: unknown) => e)) as UnhealthyError;
    expect(error).toBeInstanceOf(UnhealthyError);
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe(`the instance refresh ${REFRESH} of api-web was not done within 10 s (InProgress, 25%, 3 instances to update)`);
    expect(error.details).toEqual([
      `it goes on in AWS; watch it: aws autoscaling describe-instance-refreshes --auto-scaling-group-name api-web --instance-refresh-ids ${REFRESH}`,
      "stop it and go back to the previous version: aws autoscaling rollback-instance-refresh --auto-scaling-group-name api-web",
      "stop it where it is: aws autoscaling cancel-instance-refresh --auto-scaling-group-name api-web",
    ]);
    expect(asgMock.commandCalls(CancelInstanceRefreshCommand)).toHaveLength(0);
  });

  it("stops watching when cancelled, without cancelling the refresh", async () => {
    refreshGoes({ Status: "InProgress", PercentageComplete: 25 });
    const controller = new AbortController();
    const watching = rollout(
      deps({
        signal: controller.signal,
        pollMs: 10_000,
        progress: (line) => {
          if (line.includes("InProgress")) controller.abort(new Error("SIGINT"));
        },
      }),
      OPTS,
    );
    const error = (await watching.catch((e: unknown) => e)) as RuntimeFailure;
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.message).toBe(`stopped watching the instance refresh ${REFRESH} of api-web (InProgress, 25%)`);
    expect(error.details[0]).toContain("it goes on in AWS");
    expect(asgMock.commandCalls(CancelInstanceRefreshCommand)).toHaveLength(0);
  });

  it("refuses a group on a launch configuration before asking anything of EC2", async () => {
    group = { ...group, LaunchTemplate: undefined, LaunchConfigurationName: "api-web-2019" };
    await expect(rollout(deps(), OPTS)).rejects.toThrow(UsageError);
    expect(callNames(ec2Mock)).toEqual([]);
    expect(callNames(asgMock)).toEqual(["DescribeAutoScalingGroups"]);
  });

  it("refuses a version the template does not have, starting nothing", async () => {
    const error = await rollout(deps(), { ...OPTS, version: "5" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`the launch template ${LT} has no version 5`);
    expect(asgMock.commandCalls(StartInstanceRefreshCommand)).toHaveLength(0);
  });

  it("refuses a group that does not exist", async () => {
    asgMock.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    await expect(rollout(deps(), { ...OPTS, asg: "api-wbe" })).rejects.toThrow("no Auto Scaling group api-wbe in this account and region");
  });

  it.each([
    { what: "checkpoints that do not end at 100", opts: { checkpoints: [20, 50] } },
    { what: "checkpoints out of order", opts: { checkpoints: [50, 20, 100] } },
    { what: "a minimum healthy percentage above 100", opts: { minHealthy: 120 } },
  ])("refuses $what before any call", async ({ opts }) => {
    await expect(rollout(deps(), { ...OPTS, ...opts })).rejects.toThrow(UsageError);
    expect(callNames(asgMock)).toEqual([]);
  });
});

describe("rollout --dry-run", () => {
  it("lists the instances not on the version and changes nothing", async () => {
    group.Instances = [
      instance("i-0000000000000000a", "7"),
      instance("i-0000000000000000b", "6"),
      instance("i-0000000000000000c", "7", "lt-0ffffffffffffffff"),
      instance("i-0000000000000000d", "$Default"),
      instance("i-0000000000000000e", "$Default"),
      instance("i-0000000000000000f", undefined),
    ];
    // An instance of a `$Default` group: EC2's tag says which version it really launched from.
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: "i-0000000000000000d", Tags: [{ Key: "aws:ec2launchtemplate:version", Value: "7" }] }] },
        { Instances: [{ InstanceId: "i-0000000000000000e", Tags: [{ Key: "aws:ec2launchtemplate:version", Value: "6" }] }] },
      ],
    });

    const result = await rollout(deps(), { ...OPTS, dryRun: true });

    expect(result).toEqual({
      asg: "api-web",
      launchTemplate: { id: LT, name: "api-web", version: "7" },
      imageId: AMI[7],
      status: "dry-run",
      replaced: ["i-0000000000000000b", "i-0000000000000000c", "i-0000000000000000e", "i-0000000000000000f"],
    });
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toEqual([{ Name: "instance-id", Values: ["i-0000000000000000d", "i-0000000000000000e"] }]);
    expect([...callNames(asgMock), ...callNames(ec2Mock)].filter((n) => !n.startsWith("Describe"))).toEqual([]);
  });
});
