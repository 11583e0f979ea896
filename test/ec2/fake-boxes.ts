// A small EC2 region behind aws-sdk-client-mock for review boxes, the fleet and promotion: instances with
// addresses and client tokens, AMIs and snapshots, paginated DescribeInstances, injectable failures, and the
// list of every resource created and deleted so a test can check nothing was left behind.
import {
  CreateImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Filter,
  type Tag,
} from "@aws-sdk/client-ec2";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { ACCOUNT, awsError } from "../image/targets/ec2/fake-ec2.js";

export { awsError, ec2Client } from "../image/targets/ec2/fake-ec2.js";
import { matches, STATE_CODES } from "../image/targets/ec2/fake-ec2.js";

export interface FakeInstance {
  id: string;
  imageId: string;
  tags: Tag[];
  state: string;
  privateIp: string;
  publicIp?: string;
  launchTime: Date;
  clientToken?: string;
  /** DescribeInstances by id shows `pending` this many times, then `bootsTo`. */
  pendingPolls: number;
  bootsTo: string;
  terminating: boolean;
}

export interface FakeImage {
  id: string;
  name: string;
  ownerId: string;
  state: string;
  creationDate: string;
  tags: Tag[];
  snapshotIds: string[];
  polls: number;
}

interface Injected {
  command: string;
  error: Error;
  times: number;
  when?: (input: any) => boolean;
  afterEffect?: boolean;
}

export const PARENT_AMI = "ami-0c0ffee0c0ffee001";

export class FakeBoxes {
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  readonly instances = new Map<string, FakeInstance>();
  readonly images = new Map<string, FakeImage>();
  readonly snapshots = new Map<string, { id: string; tags: Tag[] }>();
  /** Instances per DescribeInstances page of a filtered query (EC2 pages by reservation). */
  pageSize = 1000;
  /** What a launched instance shows after its pending polls (`terminated`: no capacity). */
  bootsTo = "running";
  launchPendingPolls = 1;
  /** A broken (or misused) filter: DescribeInstances returns every instance, whatever the filters. */
  ignoreFilters = false;
  /** The address a launched instance gets (tests point it at a loopback server). */
  launchIp = "127.0.0.1";
  launchPublicIp: string | undefined;
  imagePendingPolls = 1;
  imageFinalState = "available";
  private readonly injected: Injected[] = [];
  private counter = 0;

  constructor(readonly mock: AwsClientStub<EC2Client>) {
    const handle = (command: string, impl: (input: any) => unknown) => (input: any) => {
      const failure = this.injected.find((f) => f.command === command && f.times > 0 && (!f.when || f.when(input)));
      if (failure) {
        failure.times--;
        if (failure.afterEffect) impl(input);
        throw failure.error;
      }
      return { $metadata: { httpStatusCode: 200, requestId: `req-${++this.counter}` }, ...(impl(input) as object) };
    };
    mock.on(RunInstancesCommand).callsFake(handle("RunInstances", (i) => this.runInstances(i)));
    mock.on(DescribeInstancesCommand).callsFake(handle("DescribeInstances", (i) => this.describeInstances(i)));
    mock.on(TerminateInstancesCommand).callsFake(handle("TerminateInstances", (i) => this.terminateInstances(i)));
    mock.on(DescribeImagesCommand).callsFake(handle("DescribeImages", (i) => this.describeImages(i)));
    mock.on(CreateImageCommand).callsFake(handle("CreateImage", (i) => this.createImage(i)));
    mock.on(CreateTagsCommand).callsFake(handle("CreateTags", (i) => this.createTags(i)));
    mock.on(DeregisterImageCommand).callsFake(handle("DeregisterImage", (i) => this.deregisterImage(i)));
    mock.on(DescribeSnapshotsCommand).callsFake(handle("DescribeSnapshots", (i) => this.describeSnapshots(i)));
    mock.on(DeleteSnapshotCommand).callsFake(handle("DeleteSnapshot", (i) => this.deleteSnapshot(i)));
  }

  /** The next `times` calls of `command` (that `when` accepts) fail with `error`, before doing anything (or after, with `afterEffect`). */
  failOn(command: string, error: Error, options: { times?: number; when?: (input: any) => boolean; afterEffect?: boolean } = {}): this {
    this.injected.push({ command, error, times: options.times ?? 1, ...options });
    return this;
  }

  /** The commands sent, in order, without the `Command` suffix. */
  callNames(): string[] {
    return this.mock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ""));
  }

  /** The inputs of every call of `command`. */
  inputs(command: string): any[] {
    return this.mock.calls().filter((c) => (c.args[0] as object).constructor.name === `${command}Command`).map((c) => (c.args[0] as { input: unknown }).input);
  }

  /** What exists and is not terminated, of what the code under test created. */
  leftOver(): string[] {
    return this.created.filter((id) => {
      const instance = this.instances.get(id);
      if (instance) return !instance.terminating;
      return this.images.has(id) || this.snapshots.has(id);
    });
  }

  seedImage(image: Partial<FakeImage>, snapshots = 1): string {
    const id = image.id ?? this.nextId("ami");
    const snapshotIds = Array.from({ length: snapshots }, () => this.seedSnapshot([]));
    this.images.set(id, { id, name: `unibox-${id}`, ownerId: ACCOUNT, state: "available", creationDate: "2025-01-01T00:00:00.000Z", tags: [], polls: 0, ...image, snapshotIds });
    return id;
  }

  seedInstance(instance: Partial<FakeInstance>): string {
    const id = instance.id ?? this.nextId("i");
    this.instances.set(id, {
      id,
      imageId: PARENT_AMI,
      tags: [],
      state: "running",
      privateIp: "127.0.0.1",
      launchTime: new Date("2025-06-01T08:00:00Z"),
      pendingPolls: 0,
      bootsTo: "running",
      terminating: false,
      ...instance,
    });
    return id;
  }

  private seedSnapshot(tags: Tag[]): string {
    const id = this.nextId("snap");
    this.snapshots.set(id, { id, tags });
    return id;
  }

  private nextId(prefix: string): string {
    this.counter++;
    const mixed = (BigInt(this.counter) * 0x9e3779b97f4a7c15n) % 2n ** 64n;
    return `${prefix}-0${mixed.toString(16).padStart(16, "0")}`;
  }

  private runInstances(input: { ImageId: string; ClientToken?: string; TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[] }) {
    // A repeated client token returns the instance it launched, as EC2 does.
    let instance = [...this.instances.values()].find((i) => input.ClientToken && i.clientToken === input.ClientToken);
    if (!instance) {
      instance = {
        id: this.nextId("i"),
        imageId: input.ImageId,
        tags: input.TagSpecifications?.find((t) => t.ResourceType === "instance")?.Tags ?? [],
        state: "pending",
        privateIp: this.launchIp,
        publicIp: this.launchPublicIp,
        launchTime: new Date("2025-06-02T10:00:00Z"),
        clientToken: input.ClientToken,
        pendingPolls: this.launchPendingPolls,
        bootsTo: this.bootsTo,
        terminating: false,
      };
      this.instances.set(instance.id, instance);
      this.created.push(instance.id);
    }
    return { ReservationId: "r-0d1c2b3a4f5e6d7c8", OwnerId: ACCOUNT, Instances: [this.view(instance)] };
  }

  private describeInstances(input: { InstanceIds?: string[]; Filters?: Filter[]; NextToken?: string }) {
    if (input.InstanceIds?.length) {
      const found = input.InstanceIds.map((id) => {
        const instance = this.instances.get(id);
        if (!instance) throw awsError("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
        if (instance.state === "pending" && instance.pendingPolls-- <= 0) instance.state = instance.bootsTo;
        return instance;
      });
      return { Reservations: found.map((i) => ({ ReservationId: "r-0d1c2b3a4f5e6d7c8", OwnerId: ACCOUNT, Instances: [this.view(i)] })) };
    }
    const all = [...this.instances.values()].filter((i) => this.ignoreFilters || matches(input.Filters, { "instance-state-name": i.state, "client-token": i.clientToken ?? "" }, i.tags));
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = all.slice(start, start + this.pageSize);
    const next = start + this.pageSize < all.length ? String(start + this.pageSize) : undefined;
    return {
      Reservations: page.map((i) => ({ ReservationId: "r-0d1c2b3a4f5e6d7c8", OwnerId: ACCOUNT, Instances: [this.view(i)] })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  private view(i: FakeInstance) {
    return {
      InstanceId: i.id,
      ImageId: i.imageId,
      InstanceType: "t3.large",
      State: { Name: i.state, Code: STATE_CODES[i.state] ?? 16 },
      ...(i.state === "terminated" ? { StateReason: { Code: "Server.InsufficientInstanceCapacity", Message: "Server.InsufficientInstanceCapacity: Insufficient capacity." } } : {}),
      ...(i.state === "pending" ? {} : { PrivateIpAddress: i.privateIp, ...(i.publicIp ? { PublicIpAddress: i.publicIp } : {}) }),
      LaunchTime: i.launchTime,
      Tags: i.tags,
    };
  }

  private terminateInstances(input: { InstanceIds: string[] }) {
    return {
      TerminatingInstances: input.InstanceIds.map((id) => {
        const instance = this.instances.get(id);
        if (!instance) throw awsError("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
        const previous = instance.state;
        if (!instance.terminating) this.deleted.push(id);
        instance.terminating = true;
        if (instance.state !== "terminated") instance.state = "shutting-down";
        return { InstanceId: id, PreviousState: { Name: previous }, CurrentState: { Name: instance.state, Code: 32 } };
      }),
    };
  }

  private describeImages(input: { ImageIds?: string[]; Owners?: string[]; Filters?: Filter[]; NextToken?: string }) {
    let found: FakeImage[];
    if (input.ImageIds?.length) {
      found = input.ImageIds.map((id) => {
        const image = this.images.get(id);
        if (!image) throw awsError("InvalidAMIID.NotFound", `The image id '[${id}]' does not exist`);
        if (image.state === "pending" && ++image.polls > this.imagePendingPolls) image.state = this.imageFinalState;
        return image;
      });
    } else {
      found = [...this.images.values()].filter(
        (i) => (!input.Owners?.length || input.Owners.some((o) => o === i.ownerId || (o === "self" && i.ownerId === ACCOUNT))) && matches(input.Filters, { name: i.name, state: i.state }, i.tags),
      );
    }
    return {
      Images: found.map((i) => ({
        ImageId: i.id,
        Name: i.name,
        OwnerId: i.ownerId,
        State: i.state,
        CreationDate: i.creationDate,
        Tags: i.tags,
        ...(i.state === "failed" ? { StateReason: { Code: "InternalError", Message: "InternalError: Snapshot creation failed" } } : {}),
        BlockDeviceMappings: i.snapshotIds.map((s, n) => ({ DeviceName: n === 0 ? "/dev/xvda" : `/dev/xvdb`, Ebs: { SnapshotId: s, DeleteOnTermination: true, VolumeSize: 8, VolumeType: "gp3" } })),
      })),
    };
  }

  private createImage(input: { InstanceId: string; Name: string; TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[] }) {
    const instance = this.instances.get(input.InstanceId);
    if (!instance) throw awsError("InvalidInstanceID.NotFound", `The instance ID '${input.InstanceId}' does not exist`);
    if (!["running", "stopped"].includes(instance.state)) throw awsError("IncorrectInstanceState", `The instance '${input.InstanceId}' is not in a state from which it can be imaged.`);
    if ([...this.images.values()].some((i) => i.name === input.Name)) throw awsError("InvalidAMIName.Duplicate", `AMI name ${input.Name} is already in use by AMI`);
    const tagsFor = (type: string) => input.TagSpecifications?.find((t) => t.ResourceType === type)?.Tags ?? [];
    const id = this.nextId("ami");
    this.created.push(id);
    const snapshotIds = [0, 1].map(() => {
      const snap = this.seedSnapshot(tagsFor("snapshot"));
      this.created.push(snap);
      return snap;
    });
    this.images.set(id, { id, name: input.Name, ownerId: ACCOUNT, state: "pending", creationDate: "2025-06-02T10:41:07.000Z", tags: tagsFor("image"), snapshotIds, polls: 0 });
    return { ImageId: id };
  }

  private createTags(input: { Resources: string[]; Tags: Tag[] }) {
    for (const id of input.Resources) {
      const target = this.images.get(id) ?? this.snapshots.get(id) ?? this.instances.get(id);
      if (!target) throw awsError(id.startsWith("ami-") ? "InvalidAMIID.NotFound" : "InvalidSnapshot.NotFound", `The ID '${id}' does not exist`);
      for (const tag of input.Tags) target.tags = [...target.tags.filter((t) => t.Key !== tag.Key), tag];
    }
    return {};
  }

  private deregisterImage(input: { ImageId: string }) {
    if (!this.images.delete(input.ImageId)) throw awsError("InvalidAMIID.NotFound", `The image id '[${input.ImageId}]' does not exist`);
    this.deleted.push(input.ImageId);
    return { Return: true };
  }

  private describeSnapshots(input: { Filters?: Filter[] }) {
    const found = [...this.snapshots.values()].filter((s) => matches(input.Filters, {}, s.tags));
    return { Snapshots: found.map((s) => ({ SnapshotId: s.id, OwnerId: ACCOUNT, State: "completed", Tags: s.tags, VolumeSize: 8 })) };
  }

  private deleteSnapshot(input: { SnapshotId: string }) {
    if (!this.snapshots.has(input.SnapshotId)) throw awsError("InvalidSnapshot.NotFound", `The snapshot '${input.SnapshotId}' does not exist.`);
    const user = [...this.images.values()].find((i) => i.snapshotIds.includes(input.SnapshotId));
    if (user) throw awsError("InvalidSnapshot.InUse", `The snapshot ${input.SnapshotId} is currently in use by ${user.id}`);
    this.snapshots.delete(input.SnapshotId);
    this.deleted.push(input.SnapshotId);
    return {};
  }
}

/** Tags from a `{ key: value }` object. */
export function tags(map: Record<string, string>): Tag[] {
  return Object.entries(map).map(([Key, Value]) => ({ Key, Value }));
}

/** The tags of a review box unibox launched. */
export function reviewBoxTags(name: string, extra: Record<string, string> = {}): Tag[] {
  return tags({ Name: `unibox-review-${name}`, "unibox:mode": "review", "unibox:box": name, "unibox:managed-by": "unibox", ...extra });
}
