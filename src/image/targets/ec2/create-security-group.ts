// Step 1: a security group of the build's own, with no inbound rule (nothing may reach the builder) and the
// default egress rule kept (the builder fetches packages and runtimes).
import { CreateSecurityGroupCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { RuntimeFailure } from "../../../errors.js";
import type { Step, StepContext } from "../../runner.js";
import { awsFailure } from "./aws-error.js";
import { deleteSecurityGroup } from "./delete-security-group.js";
import { groupsOfBuild, lookupForCleanup } from "./lookup.js";
import { buildTags, groupName } from "./names.js";
import { withRetry } from "./retry.js";
import type { Ec2BuildState } from "./state.js";

/** Creates the builder's security group in the subnet's VPC (or the default VPC); its cleanup deletes it. */
export const createSecurityGroupStep: Step<Ec2BuildState> = {
  name: "create-security-group",
  title: "create a security group with no inbound rule",
  async run(state, ctx) {
    const { ec2, timing } = state.settings;
    const { buildId } = state.input;
    state.vpcId = await builderVpc(state, ctx);
    const name = groupName(buildId);
    state.sent.group = true;
    try {
      const out = await withRetry(
        () =>
          ec2.send(
            new CreateSecurityGroupCommand({
              GroupName: name,
              Description: `unibox image build ${buildId}: no inbound rule`,
              VpcId: state.vpcId,
              TagSpecifications: [{ ResourceType: "security-group", Tags: buildTags({ ...state.input, startedAt: state.startedAt }, name) }],
            }),
            { abortSignal: ctx.signal },
          ),
        { policy: timing.retry, signal: ctx.signal },
      );
      state.groupId = out.GroupId;
    } catch (error) {
      throw awsFailure(`creating the security group ${name}`, "ec2:CreateSecurityGroup and ec2:CreateTags", error);
    }
    ctx.progress(`${state.groupId} in ${state.vpcId}`);
  },
  async cleanup(state, ctx) {
    const { ec2, timing } = state.settings;
    const ids = state.groupId ? [state.groupId] : state.sent.group ? await lookupForCleanup("security-group", state.input.buildId, () => groupsOfBuild(ec2, state.input.buildId, timing.retry)) : [];
    for (const id of ids) await deleteSecurityGroup(id, { ec2, timing, progress: ctx.progress });
  },
};

// The VPC the builder will run in: the given subnet's, else the region's default VPC (where RunInstances
// without a subnet places an instance).
async function builderVpc(state: Ec2BuildState, ctx: StepContext): Promise<string> {
  const { ec2, timing, subnetId } = state.settings;
  const retry = { policy: timing.retry, signal: ctx.signal };
  if (subnetId) {
    let vpcId: string | undefined;
    try {
      const out = await withRetry(() => ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }), { abortSignal: ctx.signal }), retry);
      vpcId = out.Subnets?.[0]?.VpcId;
    } catch (error) {
      throw awsFailure(`looking up the subnet ${subnetId}`, "ec2:DescribeSubnets", error);
    }
    if (!vpcId) throw new RuntimeFailure(`the subnet ${subnetId} was not found in this region: expected an existing subnet id; check the region and the subnet given for the ec2 target`);
    return vpcId;
  }
  let vpcId: string | undefined;
  try {
    const out = await withRetry(
      () => ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }), { abortSignal: ctx.signal }),
      retry,
    );
    vpcId = out.Vpcs?.[0]?.VpcId;
  } catch (error) {
    throw awsFailure("looking up the default VPC", "ec2:DescribeVpcs", error);
  }
  if (!vpcId) {
    throw new RuntimeFailure("this region has no default VPC, so the builder has nowhere to run: give the ec2 target a subnet (one with a route to the internet, for packages)");
  }
  return vpcId;
}
