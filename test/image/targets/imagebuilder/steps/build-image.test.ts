import { beforeEach, describe, expect, it } from "vitest";
import { BuildFailure, silentReporter } from "../../../../../src/image/runner.js";
import { imageBuilderTarget, type ImageBuilderTiming } from "../../../../../src/image/targets/imagebuilder/index.js";
import { BUILD_ID, buildInput, REGION } from "../fixtures.js";
import { fakeClock } from "../fake-clock.js";
import { clients, FakeAws, ibError, OUTPUT_AMI, OUTPUT_SNAPSHOT } from "../fake-aws.js";

const TIMING: ImageBuilderTiming = { pollMs: 30_000, buildTimeoutMs: 90 * 60_000, retryDelaysMs: [1000, 2000], settleTimeoutMs: 15 * 60_000 };
let clock: ReturnType<typeof fakeClock>;
const target = (timing = TIMING) => imageBuilderTarget({ ...clients(), ami: { name: "debian-12-amd64-*", owners: ["136693071363"], architecture: "x86_64" }, timing, clock });

async function failedBuild(options: { timing?: ImageBuilderTiming; signal?: AbortSignal } = {}): Promise<BuildFailure> {
  const error = await target(options.timing)
    .build(buildInput(), { signal: options.signal ?? new AbortController().signal, reporter: silentReporter })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(BuildFailure);
  return error as BuildFailure;
}

const SCAFFOLD_DELETES = ["DeleteDistributionConfiguration", "DeleteInfrastructureConfiguration", "DeleteImageRecipe", "DeleteComponent"];

let aws: FakeAws;
beforeEach(() => {
  aws = new FakeAws().install();
  clock = fakeClock();
});

describe("build-image", () => {
  it("fails with Image Builder's reason when the image is FAILED, and points at the build log", async () => {
    aws.statuses = ["PENDING", "BUILDING", "FAILED"];
    aws.failReason = "Error executing component: Provision: exit status 1 (UNIBOX-BUILD-FAILED phase=runtimes exit=22)";
    const failure = await failedBuild();
    expect(failure.step).toBe("build-image");
    expect(failure.message).toBe(
      "build failed at step build-image (build the image with Image Builder): Image Builder could not build the image: FAILED: Error executing component: Provision: exit status 1 (UNIBOX-BUILD-FAILED phase=runtimes exit=22)",
    );
    expect(failure.details).toContain(`the build instance's log is in CloudWatch Logs, group /aws/imagebuilder/unibox-${BUILD_ID}`);
    // A FAILED image is already stopped: nothing to cancel, and no AMI was made.
    expect(aws.of("CancelImageCreation")).toHaveLength(0);
    expect(aws.of("DeregisterImage")).toHaveLength(0);
    expect(new Set(aws.deleted)).toEqual(new Set(aws.created));
  });

  it("names CANCELLED when someone cancelled the image in the console", async () => {
    aws.statuses = ["PENDING", "BUILDING", "CANCELLED"];
    const failure = await failedBuild();
    expect(failure.message).toMatch(/Image Builder could not build the image: CANCELLED: Image Builder gave no reason$/);
  });

  it("cancels the image, then deletes it and everything else, when it is not done before the timeout", async () => {
    aws.statuses = ["PENDING", "BUILDING"];
    const failure = await failedBuild({ timing: { ...TIMING, buildTimeoutMs: 30 * 60_000 } });
    expect(failure.step).toBe("build-image");
    expect(failure.cancelled).toBe(false);
    expect(failure.message).toMatch(/Image Builder did not finish the image within 30 min: expected AVAILABLE, it was still BUILDING; the build was cancelled/);
    // Polled every 30 s up to the deadline, once more at it, then given up.
    expect(aws.of("GetImage").length).toBe(62);
    expect(clock.elapsed()).toBe(30 * 60_000);
    const ops = aws.ops();
    expect(ops.filter((o) => o === "CancelImageCreation")).toHaveLength(1);
    expect(ops.indexOf("CancelImageCreation")).toBeLessThan(ops.indexOf("DeleteImage"));
    expect(aws.of("CancelImageCreation")[0].input).toEqual({ imageBuildVersionArn: aws.created[4], clientToken: `${BUILD_ID}-cancel` });
    expect(new Set(aws.deleted)).toEqual(new Set(aws.created));
  });

  it("on cancel while polling, cancels the image creation and then deletes everything", async () => {
    const controller = new AbortController();
    aws.onGetImage = (n) => {
      if (n === 5) controller.abort(new Error("SIGINT"));
    };
    const failure = await failedBuild({ signal: controller.signal });

    expect(failure.cancelled).toBe(true);
    expect(failure.step).toBe("build-image");
    expect(failure.message).toBe("build cancelled at step build-image (build the image with Image Builder): cancelled");
    const after = aws.ops().slice(aws.ops().indexOf("CreateImage"));
    // Cancel at once, right after the poll that saw the abort; the cleanup reads the image (CANCELLED now),
    // finds its AMI, and removes it all in reverse.
    expect(after).toEqual([
      "CreateImage",
      ...Array(5).fill("GetImage"),
      "CancelImageCreation",
      "GetImage",
      "DescribeImages",
      "DeleteImage",
      "DescribeImages",
      "DeregisterImage",
      "DeleteSnapshot",
      ...SCAFFOLD_DELETES,
    ]);
    expect(aws.of("CreateTags")).toHaveLength(0);
    expect(aws.created).toContain(OUTPUT_AMI);
    expect(new Set(aws.deleted)).toEqual(new Set(aws.created));
  });

  it("waits for a still-running image to stop before deleting it when a later poll failed", async () => {
    aws.statuses = ["PENDING", "BUILDING"];
    aws.fail("GetImage", () => ibError("AccessDeniedException", "User is not authorized to perform: imagebuilder:GetImage", 403), 1);
    // The first GetImage fails: the run gives up; the cleanup then sees BUILDING, cancels, sees CANCELLED, deletes.
    const failure = await failedBuild();
    expect(failure.message).toMatch(/GetImage failed: AccessDeniedException/);
    const ops = aws.ops();
    expect(ops.slice(ops.indexOf("CreateImage"))).toEqual(["CreateImage", "GetImage", "GetImage", "CancelImageCreation", "GetImage", "DescribeImages", "DeleteImage", ...SCAFFOLD_DELETES]);
    expect(new Set(aws.deleted)).toEqual(new Set(aws.created));
  });

  it("says what to do by hand when the image does not stop within the settle time", async () => {
    aws.statuses = ["PENDING", "BUILDING"];
    aws.answer("CancelImageCreation", () => {
      throw ibError("InvalidRequestException", "The image cannot be cancelled in its current state.");
    });
    aws.fail("DeleteImage", () => ibError("ResourceDependencyException", "The image is being built and cannot be deleted."));
    const failure = await failedBuild({ timing: { ...TIMING, buildTimeoutMs: 10 * 60_000, settleTimeoutMs: 10 * 60_000 } });
    const image = aws.created[4];
    expect(failure.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^cleanup of build-image failed: the image ${image} was still BUILDING after 10 min; could not delete the image ${image}: ResourceDependencyException`)),
        `  delete by hand: aws imagebuilder cancel-image-creation --image-build-version-arn ${image} --region ${REGION} (then delete it once it is CANCELLED)`,
        `  delete by hand: aws imagebuilder delete-image --image-build-version-arn ${image} --region ${REGION}`,
      ]),
    );
    // The scaffolding still went.
    for (const op of SCAFFOLD_DELETES) expect(aws.of(op)).toHaveLength(1);
  });

  it("fails when an AVAILABLE image names no AMI in the build's region", async () => {
    aws.amiFrom = "never";
    const failure = await failedBuild();
    expect(failure.message).toMatch(/Image Builder reports arn:aws:imagebuilder:eu-west-1:123456789012:image\/.* AVAILABLE but names no AMI in eu-west-1/);
    expect(aws.of("CreateTags")).toHaveLength(0);
    expect(aws.created).not.toContain(OUTPUT_SNAPSHOT);
    expect(new Set(aws.deleted)).toEqual(new Set(aws.created));
  });
});
