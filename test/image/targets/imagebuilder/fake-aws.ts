// A small Image Builder + EC2 world behind aws-sdk-client-mock: creates answer with real-looking ARNs, GetImage
// walks through a scripted list of statuses, deletes are recorded, and any call can be made to fail.
// Tests assert on what was created and deleted, and on every call's exact input, in order.
import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  EC2Client,
  EC2ServiceException,
  type DescribeImagesCommandInput,
} from "@aws-sdk/client-ec2";
import {
  CancelImageCreationCommand,
  CreateComponentCommand,
  CreateDistributionConfigurationCommand,
  CreateImageCommand,
  CreateImageRecipeCommand,
  CreateInfrastructureConfigurationCommand,
  DeleteComponentCommand,
  DeleteDistributionConfigurationCommand,
  DeleteImageCommand,
  DeleteImageRecipeCommand,
  DeleteInfrastructureConfigurationCommand,
  GetImageCommand,
  ImagebuilderClient,
  ImagebuilderServiceException,
} from "@aws-sdk/client-imagebuilder";
import { mockClient } from "aws-sdk-client-mock";
import { randomUUID } from "node:crypto";
import { ACCOUNT, BASE_AMI, REGION } from "./fixtures.js";

export const OUTPUT_AMI = "ami-07d9e8f1a2b3c4d5e";
export const OUTPUT_SNAPSHOT = "snap-0f1e2d3c4b5a69788";

export const ibMock = mockClient(ImagebuilderClient);
export const ec2Mock = mockClient(EC2Client);

/** Clients as a real caller makes them (the mocks replace `send` on every instance). */
export function clients() {
  const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
  return { imagebuilder: new ImagebuilderClient({ region: REGION, credentials }), ec2: new EC2Client({ region: REGION, credentials }) };
}

/** An Image Builder error as the SDK throws it (name, fault, status, request id). */
export function ibError(name: string, message: string, status = 400): Error {
  return new ImagebuilderServiceException({ name, message, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status, requestId: randomUUID() } });
}

/** An EC2 error as the SDK throws it. */
export function ec2Error(name: string, message: string, status = 400): Error {
  return new EC2ServiceException({ name, message, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status, requestId: randomUUID() } });
}

export interface Call {
  op: string;
  input: any;
}

type Handler = (input: any) => unknown;

/** The world the target talks to. `install()` after changing the defaults below. */
export class FakeAws {
  /** Every call, both clients, in the order made. */
  readonly calls: Call[] = [];
  /** ARNs and ids the world made, in order. */
  readonly created: string[] = [];
  /** ARNs and ids deleted (DeleteX, DeregisterImage, DeleteSnapshot), in order. */
  readonly deleted: string[] = [];
  /** GetImage's statuses, one per call; the last repeats. */
  statuses = ["PENDING", "CREATING", "BUILDING", "TESTING", "DISTRIBUTING", "INTEGRATING", "AVAILABLE"];
  /** The reason GetImage gives with FAILED. */
  failReason = "Error executing component: Provision: exit status 1 (UNIBOX-BUILD-FAILED phase=repos exit=128)";
  /** From this status on the image has an AMI (created in the world then). */
  amiFrom = "DISTRIBUTING";
  /** Whether GetImage lists that AMI in outputResources (a build can fail after registering it, without saying). */
  listAmi = true;
  /** Called on each GetImage, with its 1-based number: tests abort from here. */
  onGetImage?: (n: number) => void;

  private getImageCalls = 0;
  private cancelled = false;
  private amiExists = false;
  private readonly failures = new Map<string, { error: () => Error; times: number }>();
  private readonly overrides = new Map<string, Handler>();

  /** Makes `op` fail with `error` (`times` times, then succeed). */
  fail(op: string, error: () => Error, times = Infinity): this {
    this.failures.set(op, { error, times });
    return this;
  }

  /** Replaces the world's answer to `op`. */
  answer(op: string, handler: Handler): this {
    this.overrides.set(op, handler);
    return this;
  }

  /** The calls of one operation. */
  of(op: string): Call[] {
    return this.calls.filter((c) => c.op === op);
  }

  /** The operations in call order. */
  ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  install(): this {
    ibMock.reset();
    ec2Mock.reset();
    const arn = (kind: string, rest: string) => `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:${kind}/${rest}`;
    const ok = (extra: object) => ({ $metadata: { httpStatusCode: 200, requestId: randomUUID() }, requestId: randomUUID(), ...extra });
    const make = (id: string) => {
      this.created.push(id);
      return id;
    };
    const gone = (id: string) => {
      this.deleted.push(id);
      return ok({});
    };
    const route = <C>(mock: typeof ibMock | typeof ec2Mock, command: new (input: any) => C, op: string, world: Handler) => {
      (mock as typeof ibMock).on(command as never).callsFake(async (input: any) => {
        this.calls.push({ op, input: structuredClone(input) });
        const failure = this.failures.get(op);
        if (failure && failure.times > 0) {
          failure.times--;
          throw failure.error();
        }
        return (this.overrides.get(op) ?? world)(input);
      });
    };

    route(ibMock, CreateComponentCommand, "CreateComponent", (i) =>
      ok({ clientToken: i.clientToken, componentBuildVersionArn: make(arn("component", `${i.name.toLowerCase()}/${i.semanticVersion}/1`)) }),
    );
    route(ibMock, CreateImageRecipeCommand, "CreateImageRecipe", (i) => ok({ clientToken: i.clientToken, imageRecipeArn: make(arn("image-recipe", `${i.name.toLowerCase()}/${i.semanticVersion}`)) }));
    route(ibMock, CreateInfrastructureConfigurationCommand, "CreateInfrastructureConfiguration", (i) =>
      ok({ clientToken: i.clientToken, infrastructureConfigurationArn: make(arn("infrastructure-configuration", i.name.toLowerCase())) }),
    );
    route(ibMock, CreateDistributionConfigurationCommand, "CreateDistributionConfiguration", (i) =>
      ok({ clientToken: i.clientToken, distributionConfigurationArn: make(arn("distribution-configuration", i.name.toLowerCase())) }),
    );
    route(ibMock, CreateImageCommand, "CreateImage", (i) => {
      const [, name, version] = /image-recipe\/([^/]+)\/([^/]+)$/.exec(i.imageRecipeArn)!;
      return ok({ clientToken: i.clientToken, imageBuildVersionArn: make(arn("image", `${name}/${version}/1`)) });
    });
    route(ibMock, GetImageCommand, "GetImage", (i) => {
      this.getImageCalls++;
      this.onGetImage?.(this.getImageCalls);
      const status = this.cancelled ? "CANCELLED" : this.statuses[Math.min(this.getImageCalls - 1, this.statuses.length - 1)];
      const amiStep = this.statuses.indexOf(this.amiFrom);
      if (!this.amiExists && amiStep >= 0 && this.getImageCalls - 1 >= amiStep) {
        this.amiExists = true;
        make(OUTPUT_AMI);
        make(OUTPUT_SNAPSHOT);
      }
      const amis = this.amiExists && this.listAmi ? [{ region: REGION, image: OUTPUT_AMI, name: "unibox-9f86d081884c-2025-01-14T10-31-07.512Z", accountId: ACCOUNT, state: { status } }] : [];
      return ok({
        image: {
          arn: i.imageBuildVersionArn,
          name: "unibox-ub-20250114-101500-4f2a9c",
          platform: "Linux",
          state: status === "FAILED" ? { status, reason: this.failReason } : { status },
          dateCreated: "2025-01-14T10:15:04.118Z",
          outputResources: { amis },
        },
      });
    });
    route(ibMock, CancelImageCreationCommand, "CancelImageCreation", (i) => {
      this.cancelled = true;
      return ok({ clientToken: i.clientToken, imageBuildVersionArn: i.imageBuildVersionArn });
    });
    route(ibMock, DeleteImageCommand, "DeleteImage", (i) => gone(i.imageBuildVersionArn));
    route(ibMock, DeleteDistributionConfigurationCommand, "DeleteDistributionConfiguration", (i) => gone(i.distributionConfigurationArn));
    route(ibMock, DeleteInfrastructureConfigurationCommand, "DeleteInfrastructureConfiguration", (i) => gone(i.infrastructureConfigurationArn));
    route(ibMock, DeleteImageRecipeCommand, "DeleteImageRecipe", (i) => gone(i.imageRecipeArn));
    route(ibMock, DeleteComponentCommand, "DeleteComponent", (i) => gone(i.componentBuildVersionArn));

    route(ec2Mock, DescribeImagesCommand, "DescribeImages", (i: DescribeImagesCommandInput) => ok({ Images: this.describeImages(i) }));
    route(ec2Mock, CreateTagsCommand, "CreateTags", () => ok({}));
    route(ec2Mock, DeregisterImageCommand, "DeregisterImage", (i) => {
      this.amiExists = false;
      return gone(i.ImageId);
    });
    route(ec2Mock, DeleteSnapshotCommand, "DeleteSnapshot", (i) => gone(i.SnapshotId));
    return this;
  }

  private describeImages(input: DescribeImagesCommandInput) {
    const ami = {
      ImageId: OUTPUT_AMI,
      Name: "unibox-9f86d081884c-2025-01-14T10-31-07.512Z",
      State: "available",
      OwnerId: ACCOUNT,
      CreationDate: "2025-01-14T10:31:07.000Z",
      BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { SnapshotId: OUTPUT_SNAPSHOT, VolumeSize: 8, VolumeType: "gp3" as const, DeleteOnTermination: true } }],
    };
    if (input.ImageIds) return input.ImageIds.includes(OUTPUT_AMI) && this.amiExists ? [ami] : [];
    if (input.Filters?.some((f) => f.Name === "tag:unibox:build-id")) return this.amiExists ? [ami] : [];
    if (input.Filters?.some((f) => f.Name === "name")) {
      return [
        { ImageId: "ami-0a7b6c5d4e3f21098", Name: "debian-12-amd64-20241201-1948", CreationDate: "2024-12-01T09:10:11.000Z", State: "available" },
        { ImageId: BASE_AMI, Name: "debian-12-amd64-20250110-1985", CreationDate: "2025-01-10T18:42:11.000Z", State: "available" },
        { ImageId: "ami-0f0e0d0c0b0a09080", Name: "debian-12-amd64-20241115-1935", CreationDate: "2024-11-15T07:00:00.000Z", State: "available" },
      ];
    }
    return [];
  }
}
