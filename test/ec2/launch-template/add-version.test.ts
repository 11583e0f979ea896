import {
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateVersionsCommand,
  DescribeLaunchTemplatesCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { RuntimeFailure, UsageError } from "../../../src/errors.js";
import { addLaunchTemplateVersion } from "../../../src/ec2/launch-template/index.js";
import { callNames, FAST_RETRY } from "../../autoscaling/fake-autoscaling.js";
import { awsError, ec2Client } from "../../image/targets/ec2/fake-ec2.js";

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

const LT = "lt-0a1b2c3d4e5f60718";
const AMI = "ami-0c1d2e3f4a5b6c7d8";
const deps = () => ({ ec2: ec2Client(), retry: FAST_RETRY });
const opts = { launchTemplate: LT, imageId: AMI, description: "unibox: promoted from box pr-42" };

beforeEach(() => {
  ec2Mock.reset();
  ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({
    LaunchTemplates: [{ LaunchTemplateId: LT, LaunchTemplateName: "api-web", DefaultVersionNumber: 4, LatestVersionNumber: 5 }],
  });
  ec2Mock.on(CreateLaunchTemplateVersionCommand).resolves({
    LaunchTemplateVersion: { LaunchTemplateId: LT, LaunchTemplateName: "api-web", VersionNumber: 6, DefaultVersion: false, LaunchTemplateData: { ImageId: AMI } },
  });
  ec2Mock.on(ModifyLaunchTemplateCommand).resolves({ LaunchTemplate: { LaunchTemplateId: LT, DefaultVersionNumber: 6 } });
  ec2Mock.on(DeleteLaunchTemplateVersionsCommand).resolves({ SuccessfullyDeletedLaunchTemplateVersions: [{ LaunchTemplateId: LT, VersionNumber: 6 }] });
});

describe("addLaunchTemplateVersion", () => {
  it("creates a version from the current default with the new AMI, then makes it the default", async () => {
    const added = await addLaunchTemplateVersion(deps(), opts);

    expect(added).toEqual({ launchTemplateId: LT, launchTemplateName: "api-web", version: 6, previousDefault: 4 });
    expect(callNames(ec2Mock)).toEqual(["DescribeLaunchTemplates", "CreateLaunchTemplateVersion", "ModifyLaunchTemplate"]);
    expect(ec2Mock.commandCalls(DescribeLaunchTemplatesCommand)[0].args[0].input).toEqual({ LaunchTemplateIds: [LT] });
    // From the default (4), not the latest (5): a version someone added but never made default is not inherited.
    expect(ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)[0].args[0].input).toEqual({
      LaunchTemplateId: LT,
      SourceVersion: "4",
      VersionDescription: "unibox: promoted from box pr-42",
      LaunchTemplateData: { ImageId: AMI },
      ClientToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand)[0].args[0].input).toEqual({ LaunchTemplateId: LT, DefaultVersion: "6" });
  });

  it("looks a template up by name when not given an id", async () => {
    await addLaunchTemplateVersion(deps(), { ...opts, launchTemplate: "api-web" });
    expect(ec2Mock.commandCalls(DescribeLaunchTemplatesCommand)[0].args[0].input).toEqual({ LaunchTemplateNames: ["api-web"] });
    // Every later call names the template by the id EC2 answered with.
    expect(ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)[0].args[0].input.LaunchTemplateId).toBe(LT);
  });

  it("refuses a launch template that does not exist, creating nothing", async () => {
    ec2Mock.on(DescribeLaunchTemplatesCommand).rejects(awsError("InvalidLaunchTemplateName.NotFoundException", "At least one of the launch templates specified in the request does not exist."));
    const error = await addLaunchTemplateVersion(deps(), { ...opts, launchTemplate: "api-wbe" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe("no launch template api-wbe in this account and region");
    expect(callNames(ec2Mock)).toEqual(["DescribeLaunchTemplates"]);
  });

  it("changes nothing when the version cannot be created", async () => {
    ec2Mock.on(CreateLaunchTemplateVersionCommand).rejects(awsError("InvalidAMIID.NotFound", `The image id '[${AMI}]' does not exist`));
    const error = await addLaunchTemplateVersion(deps(), opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect((error as Error).message).toContain(`creating a version of the launch template api-web (${LT}) with ${AMI} failed (InvalidAMIID.NotFound`);
    expect(callNames(ec2Mock)).toEqual(["DescribeLaunchTemplates", "CreateLaunchTemplateVersion"]);
  });

  it("deletes the new version again when it cannot become the default", async () => {
    ec2Mock.on(ModifyLaunchTemplateCommand).rejects(awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
    const error = (await addLaunchTemplateVersion(deps(), opts).catch((e: unknown) => e)) as RuntimeFailure;

    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain("making version 6 the default of the launch template api-web");
    expect(error.message).toContain("ec2:ModifyLaunchTemplate");
    expect(error.message).toMatch(/the default is still version 4$/);
    expect(error.details).toEqual(["the new version 6 was deleted again: nothing changed"]);
    expect(ec2Mock.commandCalls(DeleteLaunchTemplateVersionsCommand).map((c) => c.args[0].input)).toEqual([{ LaunchTemplateId: LT, Versions: ["6"] }]);
  });

  it("says how to delete the new version by hand when the undo is refused too", async () => {
    ec2Mock.on(ModifyLaunchTemplateCommand).rejects(awsError("InternalError", "An internal error has occurred", "server"));
    ec2Mock.on(DeleteLaunchTemplateVersionsCommand).resolves({
      UnsuccessfullyDeletedLaunchTemplateVersions: [{ LaunchTemplateId: LT, VersionNumber: 6, ResponseError: { Code: "unexpectedError", Message: "Could not delete the version." } }],
    });
    const error = (await addLaunchTemplateVersion(deps(), opts).catch((e: unknown) => e)) as RuntimeFailure;
    expect(error.details).toEqual([
      `the new version 6 could not be deleted (unexpectedError: Could not delete the version.): delete it by hand: aws ec2 delete-launch-template-versions --launch-template-id ${LT} --versions 6`,
    ]);
  });

  it("retries the default switch while EC2 does not yet know the new version", async () => {
    ec2Mock
      .on(ModifyLaunchTemplateCommand)
      .rejectsOnce(awsError("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version 6"))
      .resolves({});
    expect((await addLaunchTemplateVersion(deps(), opts)).version).toBe(6);
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand)).toHaveLength(2);
    expect(ec2Mock.commandCalls(DeleteLaunchTemplateVersionsCommand)).toHaveLength(0);
  });
});
