import { DescribeLaunchTemplateVersionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../../src/errors.js";
import { findVersion, normalizeVersion, resolveVersion } from "../../../src/ec2/launch-template/index.js";
import { FAST_RETRY } from "../../autoscaling/fake-autoscaling.js";
import { awsError, ec2Client } from "../../image/targets/ec2/fake-ec2.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());
beforeEach(() => ec2Mock.reset());

const LT = "lt-0a1b2c3d4e5f60718";
const call = { policy: FAST_RETRY };

describe("normalizeVersion", () => {
  it.each([
    ["7", "7"],
    ["$Default", "$Default"],
    ["default", "$Default"],
    ["$latest", "$Latest"],
    [" 12 ", "12"],
  ])("reads %j as %j", (given, expected) => expect(normalizeVersion(given)).toBe(expected));

  it.each(["0", "-1", "1.5", "v7", "", "$Previous"])("refuses %j", (given) => expect(() => normalizeVersion(given)).toThrow(UsageError));
});

describe("findVersion", () => {
  it("resolves an alias to the number and AMI it stands for now", async () => {
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", VersionNumber: 9, DefaultVersion: false, LaunchTemplateData: { ImageId: "ami-0a0b0c0d0e0f00112" } }],
    });
    expect(await findVersion(ec2Client(), { name: "api-web" }, "latest", call)).toEqual({
      launchTemplateId: LT,
      launchTemplateName: "api-web",
      version: 9,
      imageId: "ami-0a0b0c0d0e0f00112",
      isDefault: false,
    });
    expect(ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand)[0].args[0].input).toEqual({ LaunchTemplateName: "api-web", Versions: ["$Latest"] });
  });

  it("answers undefined for a version that was deleted, and resolveVersion names it", async () => {
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).rejects(awsError("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version 4"));
    expect(await findVersion(ec2Client(), { id: LT }, "4", call)).toBeUndefined();
    await expect(resolveVersion(ec2Client(), { id: LT }, "4", call)).rejects.toThrow(`the launch template ${LT} has no version 4`);
  });
});
