// Step 2: the builder instance. The provisioning script is its user data; IMDSv2 is required; when the script
// powers the machine off it stops (not terminates), so its volume survives for CreateImage.
import { RunInstancesCommand, type _InstanceType } from "@aws-sdk/client-ec2";
import type { Step } from "../../runner.js";
import { awsFailure } from "./aws-error.js";
import { instancesOfBuild, lookupForCleanup } from "./lookup.js";
import { buildTags, instanceName } from "./names.js";
import { withRetry } from "./retry.js";
import type { Ec2BuildState } from "./state.js";
import { terminateInstance } from "./terminate-instance.js";

/** The RunInstances input of a build: pure, so the plan and the tests see exactly what is sent. */
export function runInstancesInput(state: Ec2BuildState) {
  const { buildId } = state.input;
  const tags = buildTags({ ...state.input, startedAt: state.startedAt }, instanceName(buildId));
  return {
    ImageId: state.input.recipe.base.id,
    InstanceType: state.settings.instanceType as _InstanceType,
    MinCount: 1,
    MaxCount: 1,
    ...(state.settings.subnetId ? { SubnetId: state.settings.subnetId } : {}),
    SecurityGroupIds: state.groupId ? [state.groupId] : [],
    UserData: state.userData,
    InstanceInitiatedShutdownBehavior: "stop" as const,
    MetadataOptions: { HttpTokens: "required" as const, HttpEndpoint: "enabled" as const },
    TagSpecifications: [
      { ResourceType: "instance" as const, Tags: tags },
      { ResourceType: "volume" as const, Tags: tags },
    ],
    // Idempotent: a retried RunInstances (throttled, or a lost response) cannot launch a second builder.
    ClientToken: `unibox-${buildId}`.slice(0, 64),
  };
}

/** Launches the builder; its cleanup terminates it and waits, so the security group can go after it. */
export const launchBuilderStep: Step<Ec2BuildState> = {
  name: "launch-builder",
  title: "launch the builder instance",
  async run(state, ctx) {
    const { ec2, timing } = state.settings;
    state.sent.instance = true;
    try {
      const out = await withRetry(() => ec2.send(new RunInstancesCommand(runInstancesInput(state)), { abortSignal: ctx.signal }), {
        policy: timing.retry,
        signal: ctx.signal,
      });
      state.instanceId = out.Instances?.[0]?.InstanceId;
    } catch (error) {
      throw awsFailure(`launching the builder (${state.settings.instanceType} from ${state.input.recipe.base.id})`, "ec2:RunInstances and ec2:CreateTags", error);
    }
    ctx.progress(`${state.instanceId} (${state.settings.instanceType})`);
  },
  async cleanup(state, ctx) {
    const { ec2, timing } = state.settings;
    const ids = state.instanceId ? [state.instanceId] : state.sent.instance ? await lookupForCleanup("instance", state.input.buildId, () => instancesOfBuild(ec2, state.input.buildId, timing.retry)) : [];
    for (const id of ids) await terminateInstance(id, { ec2, timing, progress: ctx.progress });
  },
};
