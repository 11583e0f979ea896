import { DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client, ModifyLaunchTemplateCommand } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { RuntimeFailure, UsageError } from "../../../src/errors.js";
import { rollbackLaunchTemplate } from "../../../src/ec2/launch-template/index.js";
import { callNames, FAST_RETRY } from "../../autoscaling/fake-autoscaling.js";
import { awsError, ec2Client } from "../../image/targets/ec2/fake-ec2.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

const LT = "lt-0a1b2c3d4e5f60718";
const deps = () => ({ ec2: ec2Client(), retry: FAST_RETRY });
const version = (n: number, isDefault = false) => ({
  LaunchTemplateId: LT,
  LaunchTemplateName: "api-web",
  VersionNumber: n,
  DefaultVersion: isDefault,
  LaunchTemplateData: { ImageId: `ami-0000000000000000${n}` },
});

beforeEach(() => {
  ec2Mock.reset();
  ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", DefaultVersionNumber: 7, LatestVersionNumber: 8 }] });
  // Two pages; versions 6 and 4 were deleted.
  ec2Mock.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: { NextToken?: string }) =>
    input.NextToken === "page-2" ? { LaunchTemplateVersions: [version(3), version(2), version(1)] } : { LaunchTemplateVersions: [version(8), version(7, true), version(5)], NextToken: "page-2" },
  );
  ec2Mock.on(ModifyLaunchTemplateCommand).resolves({});
});

describe("rollbackLaunchTemplate", () => {
  it("makes the highest version still there below the default the default", async () => {
    const rolled = await rollbackLaunchTemplate(deps(), { launchTemplate: LT });

    expect(rolled).toEqual({ launchTemplateId: LT, launchTemplateName: "api-web", from: 7, to: 5, imageId: "ami-00000000000000005" });
    expect(ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { LaunchTemplateId: LT, NextToken: undefined },
      { LaunchTemplateId: LT, NextToken: "page-2" },
    ]);
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand).map((c) => c.args[0].input)).toEqual([{ LaunchTemplateId: LT, DefaultVersion: "5" }]);
  });

  it("finds the previous version on a later page", async () => {
    ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", DefaultVersionNumber: 5, LatestVersionNumber: 8 }] });
    expect((await rollbackLaunchTemplate(deps(), { launchTemplate: "api-web" })).to).toBe(3);
  });

  it("refuses when no version is left below the default, changing nothing", async () => {
    ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", DefaultVersionNumber: 1, LatestVersionNumber: 8 }] });
    const error = (await rollbackLaunchTemplate(deps(), { launchTemplate: LT }).catch((e: unknown) => e)) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(`the launch template api-web (${LT}) has no version below its default 1: nothing to roll back to`);
    expect(error.details).toEqual(["its versions: 8, 7, 5, 3, 2, 1"]);
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand)).toHaveLength(0);
  });

  it("fails with the likely fix when the default cannot be switched", async () => {
    ec2Mock.on(ModifyLaunchTemplateCommand).rejects(awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
    const error = (await rollbackLaunchTemplate(deps(), { launchTemplate: LT }).catch((e: unknown) => e)) as RuntimeFailure;
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.message).toContain("making version 5 the default of the launch template api-web");
    expect(error.message).toContain("needs ec2:ModifyLaunchTemplate");
  });

  it("fails without switching anything when the versions cannot be listed", async () => {
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).rejects(awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
    await expect(rollbackLaunchTemplate(deps(), { launchTemplate: LT })).rejects.toThrow(RuntimeFailure);
    expect(callNames(ec2Mock)).toEqual(["DescribeLaunchTemplates", "DescribeLaunchTemplateVersions"]);
  });
});
