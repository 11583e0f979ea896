import { beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { BuildFailure, silentReporter } from "../../../../src/image/runner.js";
import { imageBuilderTarget } from "../../../../src/image/targets/imagebuilder/index.js";
import { ACCOUNT, BUILD_ID, buildInput, REGION } from "./fixtures.js";
import { fakeClock } from "./fake-clock.js";
import { clients, ec2Error, FakeAws, ibError, ibMock, OUTPUT_AMI, OUTPUT_SNAPSHOT } from "./fake-aws.js";

const TIMING = { pollMs: 30_000, buildTimeoutMs: 90 * 60_000, retryDelaysMs: [1000, 2000] };
const target = () => imageBuilderTarget({ ...clients(), ami: { name: "debian-12-amd64-*", owners: ["136693071363"], architecture: "x86_64" }, timing: TIMING, clock: fakeClock() });
const NAME = `unibox-${BUILD_ID}`;
const ib = (rest: string) => `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:${rest}`;

async function failedBuild(input = buildInput()): Promise<BuildFailure> {
  const error = await target()
    .build(input, { signal: new AbortController().signal, reporter: silentReporter })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(BuildFailure);
  return error as BuildFailure;
}

let aws: FakeAws;
beforeEach(() => {
  aws = new FakeAws().install();
});

describe("a failure at each step of the imagebuilder build", () => {
  it.each([
    {
      step: "create-component",
      inject: (w: FakeAws) => w.fail("CreateComponent", () => ibError("ServiceQuotaExceededException", "You have reached the quota of 1000 components in this Region.")),
      message: /CreateComponent failed: ServiceQuotaExceededException: You have reached the quota .*delete unused Image Builder resources/,
      creates: 0,
    },
    {
      step: "create-recipe",
      inject: (w: FakeAws) => w.fail("CreateImageRecipe", () => ibError("InvalidParameterValueException", "The value supplied for parameter 'parentImage' is not valid. ami-0c1f3a8058fb8a5b6 does not exist.")),
      message: /CreateImageRecipe failed: InvalidParameterValueException: The value supplied for parameter 'parentImage'/,
      creates: 1,
    },
    {
      step: "create-infrastructure",
      inject: (w: FakeAws) => w.fail("CreateInfrastructureConfiguration", () => ibError("InvalidParameterValueException", "The instance profile EC2InstanceProfileForImageBuilder does not exist.")),
      message: /CreateInfrastructureConfiguration failed: InvalidParameterValueException: .*; check that the instance profile EC2InstanceProfileForImageBuilder exists/,
      creates: 2,
    },
    {
      step: "create-distribution",
      inject: (w: FakeAws) => w.fail("CreateDistributionConfiguration", () => ibError("ResourceInUseException", "The resource 'unibox-ub-20250114-101500-4f2a9c' is in use.")),
      message: /CreateDistributionConfiguration failed: ResourceInUseException/,
      creates: 3,
    },
    {
      step: "build-image",
      inject: (w: FakeAws) => w.fail("CreateImage", () => ibError("ServiceUnavailableException", "The service is unavailable. Try again later.", 503)),
      message: /CreateImage failed: ServiceUnavailableException: .*request id [0-9a-f-]{36}/,
      creates: 4,
    },
    {
      step: "build-image",
      inject: (w: FakeAws) => {
        w.statuses = ["PENDING", "BUILDING", "DISTRIBUTING", "FAILED"];
      },
      message: /Image Builder could not build the image: FAILED: Error executing component: Provision: exit status 1 \(UNIBOX-BUILD-FAILED phase=repos exit=128\)/,
      creates: 7,
    },
    {
      step: "build-image",
      inject: (w: FakeAws) => {
        // The AMI exists (registered during distribution) but the failed image does not list it: found by its build-id tag.
        w.statuses = ["PENDING", "BUILDING", "DISTRIBUTING", "FAILED"];
        w.listAmi = false;
      },
      message: /FAILED: Error executing component/,
      creates: 7,
    },
    {
      step: "seal",
      inject: (w: FakeAws) => w.fail("CreateTags", () => ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.", 403)),
      message: /CreateTags \(unibox:sealed\) failed: UnauthorizedOperation: You are not authorized/,
      creates: 7,
    },
  ])("deletes everything it created when $step fails ($message)", async ({ step, inject, message, creates }) => {
    inject(aws);
    const failure = await failedBuild();

    expect(failure.step).toBe(step);
    expect(failure.cancelled).toBe(false);
    expect(failure.message).toMatch(message);
    expect(failure.details).toContain("every cleanup ran: nothing this build created is left behind");
    expect(aws.created).toHaveLength(creates);
    expect(new Set(aws.deleted)).toEqual(new Set(aws.created));
    expect(aws.deleted).toHaveLength(aws.created.length);
    // Undone in reverse: the image (and its AMI) first, the component last.
    if (creates > 0) expect(aws.deleted.at(-1)).toMatch(/:component\//);
    if (creates === 7) {
      expect(aws.deleted.slice(0, 3)).toEqual([expect.stringMatching(/:image\//), OUTPUT_AMI, OUTPUT_SNAPSHOT]);
      expect(aws.of("DeregisterImage")[0].input).toEqual({ ImageId: OUTPUT_AMI });
      expect(aws.of("DeleteSnapshot")[0].input).toEqual({ SnapshotId: OUTPUT_SNAPSHOT });
    }
  });

  it("tells what to delete by hand when a cleanup fails, and still runs the other cleanups", async () => {
    aws.fail("CreateTags", () => ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.", 403));
    aws.fail("DeleteInfrastructureConfiguration", () =>
      ibError("ResourceDependencyException", `Resource dependency error: The resource ARN '${ib(`infrastructure-configuration/${NAME}`)}' has other resources depended on it.`),
    );
    aws.fail("DeregisterImage", () => ec2Error("AuthFailure", "AWS was not able to validate the provided access credentials", 401));
    const failure = await failedBuild();

    expect(failure.step).toBe("seal");
    const infrastructure = ib(`infrastructure-configuration/${NAME}`);
    expect(failure.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^cleanup of create-infrastructure failed: could not delete the infrastructure configuration ${infrastructure}: ResourceDependencyException`)),
        `  delete by hand: aws imagebuilder delete-infrastructure-configuration --infrastructure-configuration-arn ${infrastructure} --region ${REGION}`,
        expect.stringMatching(new RegExp(`^cleanup of build-image failed: could not deregister the AMI ${OUTPUT_AMI}: AuthFailure`)),
        `  delete by hand: aws ec2 deregister-image --image-id ${OUTPUT_AMI} --region ${REGION}`,
        `  delete by hand: aws ec2 delete-snapshot --snapshot-id ${OUTPUT_SNAPSHOT} --region ${REGION}`,
      ]),
    );
    expect(failure.details).not.toContain("every cleanup ran: nothing this build created is left behind");
    // Everything else went: the image record, the distribution, the recipe, the component.
    expect(new Set(aws.deleted)).toEqual(new Set(aws.created.filter((id) => id !== infrastructure && id !== OUTPUT_AMI && id !== OUTPUT_SNAPSHOT)));
    expect(aws.deleted).toHaveLength(4);
  });

  it("reports a cleanup that fails after a successful build, keeping the sealed AMI", async () => {
    aws.fail("DeleteComponent", () => ibError("ServiceException", "An internal error occurred.", 500));
    const failure = await failedBuild();
    const component = aws.created[0];
    expect(failure.message).toBe("the build succeeded but 1 cleanup(s) failed");
    expect(failure.details).toEqual([
      expect.stringMatching(/^cleanup of create-component failed: could not delete the component arn:aws:imagebuilder:eu-west-1:123456789012:component\/.*ServiceException/),
      `  delete by hand: aws imagebuilder delete-component --component-build-version-arn ${component} --region ${REGION}`,
    ]);
    expect(aws.of("CreateTags")).toHaveLength(1);
    expect(aws.deleted).not.toContain(OUTPUT_AMI);
  });

  it("refuses a component over Image Builder's inline limit before any call", async () => {
    // Random base64 does not compress: even gzipped it stays over 16000 characters.
    const script = `#!/bin/bash\ncat > /opt/blob << 'EOF'\n${randomBytes(15000).toString("base64")}\nEOF\n`;
    await expect(target().build(buildInput({ provisionScript: script }), { signal: new AbortController().signal, reporter: silentReporter })).rejects.toThrow(
      /the Image Builder component would be \d+ characters even with the script gzipped; CreateComponent takes at most 16000 inline .*nothing was created/,
    );
    expect(ibMock.calls()).toHaveLength(0);
    expect(aws.calls).toEqual([]);
  });
});
