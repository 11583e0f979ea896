import { parse } from "yaml";
import { beforeEach, describe, expect, it } from "vitest";
import { silentReporter, type Reporter } from "../../../../src/image/runner.js";
import { imageBuilderTarget, IMAGEBUILDER_STEPS, type ImageBuilderTargetOptions } from "../../../../src/image/targets/imagebuilder/index.js";
import { ACCOUNT, API_COMMIT, BASE_AMI, BUILD_ID, buildInput, FINGERPRINT, REGION, SCRIPT, WEB_COMMIT } from "./fixtures.js";
import { clients, ec2Mock, FakeAws, ibError, ibMock, OUTPUT_AMI, OUTPUT_SNAPSHOT } from "./fake-aws.js";
import { fakeClock } from "./fake-clock.js";
import { scriptOf } from "./script-of.js";

const TIMING = { pollMs: 30_000, buildTimeoutMs: 90 * 60_000 };

let clock: ReturnType<typeof fakeClock>;
function target(extra: Partial<ImageBuilderTargetOptions> = {}) {
  return imageBuilderTarget({ ...clients(), ami: { name: "debian-12-amd64-*", owners: ["136693071363"], architecture: "x86_64" }, timing: TIMING, clock, ...extra });
}

function recordingReporter() {
  const lines: string[] = [];
  const reporter: Reporter = { ...silentReporter, stepProgress: (step, message) => lines.push(`${step.name}: ${message}`) };
  return { lines, reporter };
}

const NAME = `unibox-${BUILD_ID}`;
const ib = (rest: string) => `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:${rest}`;

let aws: FakeAws;
beforeEach(() => {
  aws = new FakeAws().install();
  clock = fakeClock();
});

describe("the imagebuilder target's build", () => {
  it("creates the component, recipe, configurations and image with exact inputs, in order, and returns the sealed AMI", async () => {
    const { lines, reporter } = recordingReporter();
    const controller = new AbortController();
    const image = await target({ subnetId: "subnet-0aa11bb22cc33dd44", securityGroupIds: ["sg-0123456789abcdef0"], instanceProfileName: "unibox-builder" }).build(buildInput(), {
      signal: controller.signal,
      reporter,
    });

    expect(image).toEqual({ id: OUTPUT_AMI, fingerprint: FINGERPRINT, created: "2025-01-14T10:15:00.000Z", location: `imagebuilder:${REGION}` });
    expect(aws.ops()).toEqual([
      "CreateComponent",
      "CreateImageRecipe",
      "CreateInfrastructureConfiguration",
      "CreateDistributionConfiguration",
      "CreateImage",
      ...Array(7).fill("GetImage"),
      "CreateTags",
      "DeleteImage",
      "DeleteDistributionConfiguration",
      "DeleteInfrastructureConfiguration",
      "DeleteImageRecipe",
      "DeleteComponent",
    ]);

    const [component] = aws.of("CreateComponent");
    const version = component.input.semanticVersion;
    expect(version).toMatch(/^20250114\.101500\.\d+$/);
    expect(component.input).toEqual({
      name: NAME,
      semanticVersion: version,
      description: `unibox provisioning script, fingerprint ${FINGERPRINT}`,
      platform: "Linux",
      data: expect.any(String),
      tags: { "unibox:build-id": BUILD_ID },
      clientToken: `${BUILD_ID}-cmp`,
    });
    const doc = parse(component.input.data);
    expect(doc.schemaVersion).toBe(1);
    expect(component.input.data).toMatch(/^schemaVersion: 1\.0$/m);
    expect(doc.phases.map((p: { name: string }) => p.name)).toEqual(["build", "validate"]);
    expect(scriptOf(doc)).toBe(SCRIPT);
    expect(doc.phases[0].steps[0].inputs.commands[0]).toContain('UNIBOX_PHASES=all bash "$dir/provision.sh"');
    expect(component.input.data).not.toMatch(/poweroff|shutdown/);

    const componentArn = ib(`component/${NAME}/${version}/1`);
    const recipeArn = ib(`image-recipe/${NAME}/${version}`);
    const infrastructureArn = ib(`infrastructure-configuration/${NAME}`);
    const distributionArn = ib(`distribution-configuration/${NAME}`);
    const imageArn = ib(`image/${NAME}/${version}/1`);
    expect(aws.of("CreateImageRecipe")[0].input).toEqual({
      name: NAME,
      semanticVersion: version,
      description: `unibox image on ${BASE_AMI} (debian-12-amd64-20250110-1985)`,
      parentImage: BASE_AMI,
      components: [{ componentArn }],
      tags: { "unibox:build-id": BUILD_ID },
      clientToken: `${BUILD_ID}-rcp`,
    });
    expect(aws.of("CreateInfrastructureConfiguration")[0].input).toEqual({
      name: NAME,
      description: `unibox build ${BUILD_ID}`,
      instanceTypes: ["t3.medium"],
      instanceProfileName: "unibox-builder",
      subnetId: "subnet-0aa11bb22cc33dd44",
      securityGroupIds: ["sg-0123456789abcdef0"],
      terminateInstanceOnFailure: true,
      instanceMetadataOptions: { httpTokens: "required" },
      resourceTags: { "unibox:build-id": BUILD_ID },
      tags: { "unibox:build-id": BUILD_ID },
      clientToken: `${BUILD_ID}-inf`,
    });
    expect(aws.of("CreateDistributionConfiguration")[0].input).toEqual({
      name: NAME,
      description: `unibox build ${BUILD_ID}`,
      distributions: [
        {
          region: REGION,
          amiDistributionConfiguration: {
            name: "unibox-9f86d081884c-{{imagebuilder:buildDate}}",
            description: `unibox image ${FINGERPRINT}`,
            amiTags: {
              "unibox:fingerprint": FINGERPRINT,
              "unibox:id": BUILD_ID,
              "unibox:created": "2025-01-14T10:15:00.000Z",
              "unibox:base": BASE_AMI,
              "unibox:unibox-version": "0.1.0",
              "unibox:builder": "unibox-imagebuilder",
              "unibox:build-id": BUILD_ID,
              "unibox:ci-run": "https://github.com/acme/stack/actions/runs/12790455121",
              "unibox:repo:api": API_COMMIT,
              "unibox:repo:web": WEB_COMMIT,
              "unibox:runtime:node": "20.18.1",
            },
          },
        },
      ],
      tags: { "unibox:build-id": BUILD_ID },
      clientToken: `${BUILD_ID}-dst`,
    });
    expect(aws.of("CreateImage")[0].input).toEqual({
      imageRecipeArn: recipeArn,
      infrastructureConfigurationArn: infrastructureArn,
      distributionConfigurationArn: distributionArn,
      imageTestsConfiguration: { imageTestsEnabled: false },
      tags: { "unibox:build-id": BUILD_ID },
      clientToken: BUILD_ID,
    });
    expect(aws.of("GetImage").every((c) => c.input.imageBuildVersionArn === imageArn)).toBe(true);
    expect(aws.of("CreateTags")[0].input).toEqual({ Resources: [OUTPUT_AMI], Tags: [{ Key: "unibox:sealed", Value: "true" }] });

    // Every Image Builder resource goes; the AMI and its snapshot stay (DeleteImage keeps AMIs).
    expect(aws.deleted).toEqual([imageArn, distributionArn, infrastructureArn, recipeArn, componentArn]);
    expect(aws.created).toEqual([componentArn, recipeArn, infrastructureArn, distributionArn, imageArn, OUTPUT_AMI, OUTPUT_SNAPSHOT]);

    // Each status change is reported once, in order.
    const statuses = lines.filter((l) => l.startsWith("build-image: image ") && / after /.test(l));
    expect(statuses).toEqual(["PENDING after 0 ms", "CREATING after 30 s", "BUILDING after 60 s", "TESTING after 90 s", "DISTRIBUTING after 2 min", "INTEGRATING after 3 min", "AVAILABLE after 3 min"].map((s) => `build-image: image ${s}`));
    expect(clock.slept).toEqual(Array(6).fill(30_000));

    // The build's calls carry its abort signal; the cleanups' calls none (they must run after a cancel too).
    const sent = [...ibMock.calls(), ...ec2Mock.calls()].map((c) => ({ op: c.args[0].constructor.name, options: (c.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined }));
    for (const call of sent) {
      if (/^(Create|Get)/.test(call.op)) expect(call.options?.abortSignal, call.op).toBe(controller.signal);
      else expect(call.options?.abortSignal, call.op).toBeUndefined();
    }
  });

  it("uses the documented instance profile and an instance type for the architecture when none is given, and says so", async () => {
    const { lines, reporter } = recordingReporter();
    await imageBuilderTarget({ ...clients(), ami: { name: "debian-12-arm64-*", owners: ["136693071363"], architecture: "arm64" }, timing: TIMING, clock }).build(buildInput(), {
      signal: new AbortController().signal,
      reporter,
    });
    const input = aws.of("CreateInfrastructureConfiguration")[0].input;
    expect(input.instanceProfileName).toBe("EC2InstanceProfileForImageBuilder");
    expect(input.instanceTypes).toEqual(["t4g.medium"]);
    expect(input).not.toHaveProperty("subnetId");
    expect(input).not.toHaveProperty("securityGroupIds");
    expect(lines.some((l) => l.startsWith("create-infrastructure: no instance profile given: using EC2InstanceProfileForImageBuilder"))).toBe(true);
  });

  it("takes the region from the options when the client's config has none", async () => {
    const bare = { send: clients().imagebuilder.send.bind(clients().imagebuilder) };
    const image = await target({ imagebuilder: bare, region: "us-east-2" }).build(buildInput(), { signal: new AbortController().signal, reporter: silentReporter });
    expect(aws.of("CreateDistributionConfiguration")[0].input.distributions[0].region).toBe("us-east-2");
    expect(image.location).toBe("imagebuilder:us-east-2");
  });

  it("retries a throttled create and a throttled poll, then goes on", async () => {
    aws.fail("CreateImageRecipe", () => ibError("ThrottlingException", "Rate exceeded"), 2);
    aws.fail("GetImage", () => ibError("TooManyRequestsException", "You have exceeded the number of permitted requests", 429), 1);
    const image = await target().build(buildInput(), { signal: new AbortController().signal, reporter: silentReporter });
    expect(image.id).toBe(OUTPUT_AMI);
    expect(aws.of("CreateImageRecipe")).toHaveLength(3);
    expect(aws.of("CreateImageRecipe").map((c) => c.input.clientToken)).toEqual(Array(3).fill(`${BUILD_ID}-rcp`));
    expect(aws.of("GetImage")).toHaveLength(8);
    // Throttling waits 1 s, then 2 s (the pauses grow); the poll keeps its 30 s.
    expect(clock.slept.filter((ms) => ms !== 30_000)).toEqual([1000, 2000, 1000]);
  });
});

describe("the imagebuilder target's lookups", () => {
  it("resolves the base to the newest available EBS-backed AMI matching name, owners and architecture, as the ec2 target does", async () => {
    const base = await target().resolveBase({ signal: new AbortController().signal, reporter: silentReporter });
    expect(base).toEqual({ id: BASE_AMI, name: "debian-12-amd64-20250110-1985", created: "2025-01-10T18:42:11.000Z" });
    expect(aws.of("DescribeImages")[0].input).toEqual({
      Owners: ["136693071363"],
      Filters: [
        { Name: "name", Values: ["debian-12-amd64-*"] },
        { Name: "architecture", Values: ["x86_64"] },
        { Name: "state", Values: ["available"] },
        { Name: "root-device-type", Values: ["ebs"] },
      ],
    });
  });

  it("says which filter matched nothing when there is no base AMI", async () => {
    aws.answer("DescribeImages", () => ({ Images: [] }));
    await expect(target().resolveBase({ signal: new AbortController().signal, reporter: silentReporter })).rejects.toThrow(
      /no base AMI matches name "debian-12-amd64-\*", owners 136693071363, architecture x86_64, state available: .*check image\/image.yaml's base filter/,
    );
  });

  it("reads every page of DescribeImages", async () => {
    aws.answer("DescribeImages", (input) =>
      input.NextToken
        ? { Images: [{ ImageId: "ami-0bbbbbbbbbbbbbbbb", Name: "debian-12-amd64-20250201-2001", CreationDate: "2025-02-01T00:00:00.000Z" }] }
        : { Images: [{ ImageId: BASE_AMI, Name: "debian-12-amd64-20250110-1985", CreationDate: "2025-01-10T18:42:11.000Z" }], NextToken: "eyJ2IjoyfQ==" },
    );
    const base = await target().resolveBase({ signal: new AbortController().signal, reporter: silentReporter });
    expect(base.id).toBe("ami-0bbbbbbbbbbbbbbbb");
    expect(aws.of("DescribeImages").map((c) => c.input.NextToken)).toEqual([undefined, "eyJ2IjoyfQ=="]);
  });

  it("finds a sealed AMI of this account by its fingerprint tag, and nothing otherwise", async () => {
    const run = { signal: new AbortController().signal, reporter: silentReporter };
    expect(await target().findByFingerprint(FINGERPRINT, run)).toBeUndefined();
    expect(aws.of("DescribeImages")[0].input).toEqual({
      Owners: ["self"],
      Filters: [
        { Name: "tag:unibox:fingerprint", Values: [FINGERPRINT] },
        { Name: "tag:unibox:sealed", Values: ["true"] },
        { Name: "state", Values: ["available"] },
      ],
    });
    aws.answer("DescribeImages", () => ({
      Images: [
        { ImageId: "ami-0old0000000000000", CreationDate: "2025-01-01T00:00:00.000Z", Tags: [{ Key: "unibox:created", Value: "2025-01-01T00:00:00.000Z" }] },
        { ImageId: OUTPUT_AMI, CreationDate: "2025-01-14T10:31:07.000Z", Tags: [{ Key: "unibox:created", Value: "2025-01-14T10:15:00.000Z" }] },
      ],
    }));
    expect(await target().findByFingerprint(FINGERPRINT, run)).toEqual({ id: OUTPUT_AMI, fingerprint: FINGERPRINT, created: "2025-01-14T10:15:00.000Z", location: `imagebuilder:${REGION}` });
  });

  it("describes the steps and every resource for --dry-run without calling AWS", () => {
    const described = target().describe(buildInput());
    expect(described.steps).toEqual(IMAGEBUILDER_STEPS.map((s) => ({ name: s.name, title: s.title })));
    expect(described.steps.map((s) => s.name)).toEqual(["create-component", "create-recipe", "create-infrastructure", "create-distribution", "build-image", "seal"]);
    expect(described.resources.map((r) => r.kind)).toEqual(["component", "image-recipe", "infrastructure-configuration", "distribution-configuration", "image", "instance", "ami"]);
    expect(described.resources[0].name).toMatch(new RegExp(`^${NAME}/20250114\\.101500\\.\\d+$`));
    expect(aws.calls).toEqual([]);
  });
});
