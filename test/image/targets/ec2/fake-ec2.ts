// A small EC2 region behind aws-sdk-client-mock: the calls the ec2 target makes, answered the way EC2 does
// (real id shapes, real error names, eventual consistency where a test asks for it), keeping the list of
// every resource created and every resource deleted so a test can compare the two.
import {
  CreateImageCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
  EC2ServiceException,
  GetConsoleOutputCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Filter,
  type Tag,
} from "@aws-sdk/client-ec2";
import type { AwsClientStub } from "aws-sdk-client-mock";

export const ACCOUNT = "123456789012";
export const DEFAULT_VPC = "vpc-0a1b2c3d4e5f67890";
export const SUBNET = { id: "subnet-0fedcba9876543210", vpc: "vpc-0b2c3d4e5f6a78901" };

/** An EC2 error as the SDK throws it: an EC2ServiceException with the EC2 error code as its name. */
export function awsError(name: string, message: string, fault: "client" | "server" = "client"): EC2ServiceException {
  return new EC2ServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode: fault === "client" ? 400 : 503, requestId: "3d1d4f2a-7c3e-4a55-9b6e-0f1e2d3c4b5a", attempts: 1, totalRetryDelay: 0 },
    message,
  });
}

/** A real-looking client for the code under test; the mock answers its `send`, nothing leaves the machine. */
export function ec2Client(): EC2Client {
  return new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" } });
}

interface Instance {
  id: string;
  imageId: string;
  groupIds: string[];
  tags: Tag[];
  launchTime: Date;
  /** Index into `builder.states` for the next DescribeInstances by id. */
  polls: number;
  terminating: boolean;
  /** DescribeInstances calls since TerminateInstances: shutting-down for one, then terminated. */
  terminatePolls: number;
  state: string;
  userData?: string;
  stoppedConsoleReads: number;
}

interface Image {
  id: string;
  name: string;
  ownerId: string;
  architecture: string;
  state: string;
  creationDate: string;
  tags: Tag[];
  snapshotIds: string[];
  polls: number;
  rootDeviceType: string;
}

interface Snapshot {
  id: string;
  tags: Tag[];
  startTime: Date;
}

interface Injected {
  command: string;
  error: Error;
  times: number;
  when?: (input: any) => boolean;
  /** The call does its work, then fails: a response lost on the way back. */
  afterEffect?: boolean;
}

/** How the builder instance behaves: what DescribeInstances and GetConsoleOutput show, poll by poll. */
export interface BuilderBehaviour {
  /** States shown by successive DescribeInstances of the builder (the last one repeats). */
  states: string[];
  /** Console text while it runs. */
  consoleRunning: string;
  /** Console text by successive reads once stopped (the last one repeats): "" for a console that lags. */
  consoleStopped: string[];
}

export class FakeEc2 {
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  readonly groups = new Map<string, { id: string; name: string; vpcId: string; tags: Tag[] }>();
  readonly instances = new Map<string, Instance>();
  readonly images = new Map<string, Image>();
  readonly snapshots = new Map<string, Snapshot>();
  readonly volumes = new Map<string, { id: string; tags: Tag[]; createTime: Date }>();
  builder: BuilderBehaviour;
  /** DescribeImages by id shows `pending` this many times, then `imageFinalState`. */
  imagePendingPolls = 1;
  imageFinalState = "available";
  /** Volumes each builder has: CreateImage makes one snapshot each. */
  volumesPerInstance = 2;
  private readonly injected: Injected[] = [];
  private counter = 0;

  constructor(
    readonly mock: AwsClientStub<EC2Client>,
    builder: BuilderBehaviour,
  ) {
    this.builder = builder;
    const handle = (command: string, impl: (input: any) => unknown) => (input: any) => {
      const failure = this.injected.find((f) => f.command === command && f.times > 0 && (!f.when || f.when(input)));
      if (failure) {
        failure.times--;
        if (failure.afterEffect) impl(input);
        throw failure.error;
      }
      return { $metadata: { httpStatusCode: 200, requestId: `req-${++this.counter}` }, ...(impl(input) as object) };
    };
    mock.on(DescribeVpcsCommand).callsFake(handle("DescribeVpcs", (i) => this.describeVpcs(i)));
    mock.on(DescribeSubnetsCommand).callsFake(handle("DescribeSubnets", (i) => this.describeSubnets(i)));
    mock.on(CreateSecurityGroupCommand).callsFake(handle("CreateSecurityGroup", (i) => this.createSecurityGroup(i)));
    mock.on(DescribeSecurityGroupsCommand).callsFake(handle("DescribeSecurityGroups", (i) => this.describeSecurityGroups(i)));
    mock.on(DeleteSecurityGroupCommand).callsFake(handle("DeleteSecurityGroup", (i) => this.deleteSecurityGroup(i)));
    mock.on(RunInstancesCommand).callsFake(handle("RunInstances", (i) => this.runInstances(i)));
    mock.on(DescribeInstancesCommand).callsFake(handle("DescribeInstances", (i) => this.describeInstances(i)));
    mock.on(GetConsoleOutputCommand).callsFake(handle("GetConsoleOutput", (i) => this.getConsoleOutput(i)));
    mock.on(TerminateInstancesCommand).callsFake(handle("TerminateInstances", (i) => this.terminateInstances(i)));
    mock.on(CreateImageCommand).callsFake(handle("CreateImage", (i) => this.createImage(i)));
    mock.on(DescribeImagesCommand).callsFake(handle("DescribeImages", (i) => this.describeImages(i)));
    mock.on(DeregisterImageCommand).callsFake(handle("DeregisterImage", (i) => this.deregisterImage(i)));
    mock.on(CreateTagsCommand).callsFake(handle("CreateTags", (i) => this.createTags(i)));
    mock.on(DescribeSnapshotsCommand).callsFake(handle("DescribeSnapshots", (i) => this.describeSnapshots(i)));
    mock.on(DeleteSnapshotCommand).callsFake(handle("DeleteSnapshot", (i) => this.deleteSnapshot(i)));
    mock.on(DescribeVolumesCommand).callsFake(handle("DescribeVolumes", (i) => this.describeVolumes(i)));
    mock.on(DeleteVolumeCommand).callsFake(handle("DeleteVolume", (i) => this.deleteVolume(i)));
  }

  /** The next `times` calls of `command` (that `when` accepts) fail with `error`, before touching anything (or after, with `afterEffect`). */
  failOn(command: string, error: Error, options: { times?: number; when?: (input: any) => boolean; afterEffect?: boolean } = {}): this {
    this.injected.push({ command, error, times: options.times ?? 1, ...options });
    return this;
  }

  /** The commands sent, in order, without the `Command` suffix. */
  callNames(): string[] {
    return this.mock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ""));
  }

  /** Resources that exist and are not terminated: after any build, only a sealed AMI and its snapshots may be left. */
  live(): string[] {
    return [
      ...this.groups.keys(),
      ...[...this.instances.values()].filter((i) => !i.terminating).map((i) => i.id),
      ...this.images.keys(),
      ...this.snapshots.keys(),
      ...this.volumes.keys(),
    ];
  }

  /** An AMI someone else or an earlier build registered (a base image, a sealed image, a leftover). */
  seedImage(image: Partial<Image> & { name: string }, snapshots: Partial<Snapshot>[] = []): string {
    const id = image.id ?? this.nextId("ami");
    const snapshotIds = snapshots.map((s) => this.seedSnapshot(s));
    this.images.set(id, {
      id,
      ownerId: ACCOUNT,
      architecture: "x86_64",
      state: "available",
      creationDate: "2024-01-01T00:00:00.000Z",
      tags: [],
      rootDeviceType: "ebs",
      polls: 0,
      ...image,
      snapshotIds,
    });
    return id;
  }

  seedSnapshot(snapshot: Partial<Snapshot>): string {
    const id = snapshot.id ?? this.nextId("snap");
    this.snapshots.set(id, { id, tags: [], startTime: new Date("2024-01-01T00:00:00Z"), ...snapshot });
    return id;
  }

  seedInstance(instance: Partial<Instance>): string {
    const id = instance.id ?? this.nextId("i");
    this.instances.set(id, {
      id,
      imageId: "ami-0a1b2c3d4e5f60718",
      groupIds: [],
      tags: [],
      launchTime: new Date("2024-01-01T00:00:00Z"),
      polls: 0,
      terminating: false,
      terminatePolls: 0,
      state: "running",
      stoppedConsoleReads: 0,
      ...instance,
    });
    return id;
  }

  seedGroup(group: { tags: Tag[]; name?: string }): string {
    const id = this.nextId("sg");
    this.groups.set(id, { id, name: group.name ?? id, vpcId: DEFAULT_VPC, tags: group.tags });
    return id;
  }

  seedVolume(volume: { tags: Tag[]; createTime: Date }): string {
    const id = this.nextId("vol");
    this.volumes.set(id, { id, ...volume });
    return id;
  }

  // 17 hex digits after the prefix, as EC2 gives them.
  private nextId(prefix: string): string {
    this.counter++;
    const mixed = (BigInt(this.counter) * 0x9e3779b97f4a7c15n) % 2n ** 64n;
    return `${prefix}-0${mixed.toString(16).padStart(16, "0")}`;
  }

  private describeVpcs(input: { Filters?: Filter[] }) {
    const vpcs = [
      { VpcId: DEFAULT_VPC, IsDefault: true, CidrBlock: "172.31.0.0/16", State: "available" },
      { VpcId: SUBNET.vpc, IsDefault: false, CidrBlock: "10.0.0.0/16", State: "available" },
    ];
    return { Vpcs: vpcs.filter((v) => matches(input.Filters, { "is-default": String(v.IsDefault), "vpc-id": v.VpcId }, [])) };
  }

  private describeSubnets(input: { SubnetIds?: string[] }) {
    for (const id of input.SubnetIds ?? []) {
      if (id !== SUBNET.id) throw awsError("InvalidSubnetID.NotFound", `The subnet ID '${id}' does not exist`);
    }
    return { Subnets: [{ SubnetId: SUBNET.id, VpcId: SUBNET.vpc, AvailabilityZone: "eu-west-1a", State: "available" }] };
  }

  private createSecurityGroup(input: { GroupName: string; VpcId?: string; TagSpecifications?: { Tags?: Tag[] }[] }) {
    if ([...this.groups.values()].some((g) => g.name === input.GroupName)) {
      throw awsError("InvalidGroup.Duplicate", `The security group '${input.GroupName}' already exists for VPC '${input.VpcId}'`);
    }
    const id = this.nextId("sg");
    this.groups.set(id, { id, name: input.GroupName, vpcId: input.VpcId ?? DEFAULT_VPC, tags: input.TagSpecifications?.[0]?.Tags ?? [] });
    this.created.push(id);
    return { GroupId: id, SecurityGroupArn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/${id}` };
  }

  private describeSecurityGroups(input: { Filters?: Filter[] }) {
    const groups = [...this.groups.values()].filter((g) => matches(input.Filters, { "group-name": g.name, "vpc-id": g.vpcId }, g.tags));
    return { SecurityGroups: groups.map((g) => ({ GroupId: g.id, GroupName: g.name, VpcId: g.vpcId, OwnerId: ACCOUNT, Tags: g.tags })) };
  }

  private deleteSecurityGroup(input: { GroupId: string }) {
    if (!this.groups.has(input.GroupId)) throw awsError("InvalidGroup.NotFound", `The security group '${input.GroupId}' does not exist`);
    const user = [...this.instances.values()].find((i) => i.groupIds.includes(input.GroupId) && i.state !== "terminated");
    if (user) throw awsError("DependencyViolation", `resource ${input.GroupId} has a dependent object`);
    this.groups.delete(input.GroupId);
    this.deleted.push(input.GroupId);
    return { Return: true, GroupId: input.GroupId };
  }

  private runInstances(input: { ImageId: string; SecurityGroupIds?: string[]; UserData?: string; TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[] }) {
    for (const g of input.SecurityGroupIds ?? []) {
      if (!this.groups.has(g)) throw awsError("InvalidGroup.NotFound", `The security group '${g}' does not exist in VPC '${DEFAULT_VPC}'`);
    }
    const id = this.nextId("i");
    const tags = input.TagSpecifications?.find((t) => t.ResourceType === "instance")?.Tags ?? [];
    this.instances.set(id, {
      id,
      imageId: input.ImageId,
      groupIds: input.SecurityGroupIds ?? [],
      tags,
      launchTime: new Date(),
      polls: 0,
      terminating: false,
      terminatePolls: 0,
      state: "pending",
      userData: input.UserData,
      stoppedConsoleReads: 0,
    });
    this.created.push(id);
    return {
      ReservationId: "r-0d1c2b3a4f5e6d7c8",
      OwnerId: ACCOUNT,
      Instances: [{ InstanceId: id, ImageId: input.ImageId, State: { Code: 0, Name: "pending" }, Tags: tags }],
    };
  }

  private describeInstances(input: { InstanceIds?: string[]; Filters?: Filter[] }) {
    let found: Instance[];
    if (input.InstanceIds?.length) {
      found = input.InstanceIds.map((id) => {
        const instance = this.instances.get(id);
        if (!instance) throw awsError("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
        this.advance(instance);
        return instance;
      });
    } else {
      found = [...this.instances.values()].filter((i) => matches(input.Filters, { "instance-state-name": i.state }, i.tags));
    }
    return {
      Reservations: found.map((i) => ({
        ReservationId: "r-0d1c2b3a4f5e6d7c8",
        OwnerId: ACCOUNT,
        Instances: [
          {
            InstanceId: i.id,
            ImageId: i.imageId,
            State: { Name: i.state, Code: STATE_CODES[i.state] ?? 16 },
            ...(i.state === "stopped" ? { StateReason: { Code: "Client.InstanceInitiatedShutdown", Message: "Client.InstanceInitiatedShutdown: Instance initiated shutdown" } } : {}),
            LaunchTime: i.launchTime,
            Tags: i.tags,
            SecurityGroups: i.groupIds.map((g) => ({ GroupId: g })),
          },
        ],
      })),
    };
  }

  // A builder moves through `builder.states`, one per poll; a terminating one shows shutting-down once, then terminated.
  private advance(instance: Instance): void {
    if (instance.terminating) {
      instance.state = ++instance.terminatePolls >= 2 ? "terminated" : "shutting-down";
      return;
    }
    if (!instance.userData) return;
    const states = this.builder.states;
    instance.state = states[Math.min(instance.polls, states.length - 1)];
    instance.polls++;
  }

  private getConsoleOutput(input: { InstanceId: string; Latest?: boolean }) {
    const instance = this.instances.get(input.InstanceId);
    if (!instance) throw awsError("InvalidInstanceID.NotFound", `The instance ID '${input.InstanceId}' does not exist`);
    let text = "";
    if (instance.state === "running") text = this.builder.consoleRunning;
    if (instance.state === "stopped") {
      const texts = this.builder.consoleStopped;
      text = texts[Math.min(instance.stoppedConsoleReads++, texts.length - 1)];
    }
    return { InstanceId: instance.id, Timestamp: new Date(), ...(text ? { Output: Buffer.from(text).toString("base64") } : {}) };
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

  private createImage(input: { InstanceId: string; Name: string; TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[] }) {
    const instance = this.instances.get(input.InstanceId);
    if (!instance) throw awsError("InvalidInstanceID.NotFound", `The instance ID '${input.InstanceId}' does not exist`);
    if (instance.state !== "stopped") throw awsError("IncorrectInstanceState", `The instance '${input.InstanceId}' is not in a state from which it can be imaged.`);
    if ([...this.images.values()].some((i) => i.name === input.Name)) throw awsError("InvalidAMIName.Duplicate", `AMI name ${input.Name} is already in use by AMI`);
    const tagsFor = (type: string) => input.TagSpecifications?.find((t) => t.ResourceType === type)?.Tags ?? [];
    const id = this.nextId("ami");
    this.created.push(id);
    const snapshotIds = Array.from({ length: this.volumesPerInstance }, () => {
      const snap = this.seedSnapshot({ tags: tagsFor("snapshot"), startTime: new Date() });
      this.created.push(snap);
      return snap;
    });
    this.images.set(id, {
      id,
      name: input.Name,
      ownerId: ACCOUNT,
      architecture: "x86_64",
      state: "pending",
      creationDate: "2025-06-02T10:41:07.000Z",
      tags: tagsFor("image"),
      snapshotIds,
      polls: 0,
      rootDeviceType: "ebs",
    });
    return { ImageId: id };
  }

  private describeImages(input: { ImageIds?: string[]; Owners?: string[]; Filters?: Filter[] }) {
    let found: Image[];
    if (input.ImageIds?.length) {
      found = input.ImageIds.map((id) => {
        const image = this.images.get(id);
        if (!image) throw awsError("InvalidAMIID.NotFound", `The image id '[${id}]' does not exist`);
        if (image.state === "pending" && ++image.polls > this.imagePendingPolls) image.state = this.imageFinalState;
        return image;
      });
    } else {
      found = [...this.images.values()].filter(
        (i) =>
          (!input.Owners?.length || input.Owners.some((o) => o === i.ownerId || (o === "self" && i.ownerId === ACCOUNT))) &&
          matches(input.Filters, { name: i.name, architecture: i.architecture, state: i.state, "root-device-type": i.rootDeviceType }, i.tags),
      );
    }
    return {
      Images: found.map((i) => ({
        ImageId: i.id,
        Name: i.name,
        OwnerId: i.ownerId,
        Architecture: i.architecture,
        State: i.state,
        CreationDate: i.creationDate,
        RootDeviceType: i.rootDeviceType,
        RootDeviceName: "/dev/xvda",
        Tags: i.tags,
        ...(i.state === "failed" ? { StateReason: { Code: "InternalError", Message: "InternalError: Snapshot creation failed" } } : {}),
        BlockDeviceMappings: i.snapshotIds.map((s, n) => ({ DeviceName: n === 0 ? "/dev/xvda" : `/dev/xvd${"bcdefgh"[n - 1]}`, Ebs: { SnapshotId: s, DeleteOnTermination: true, VolumeSize: 8, VolumeType: "gp3" } })),
      })),
    };
  }

  private deregisterImage(input: { ImageId: string }) {
    if (!this.images.delete(input.ImageId)) throw awsError("InvalidAMIID.NotFound", `The image id '[${input.ImageId}]' does not exist`);
    this.deleted.push(input.ImageId);
    return { Return: true };
  }

  private createTags(input: { Resources: string[]; Tags: Tag[] }) {
    for (const id of input.Resources) {
      const target = this.images.get(id) ?? this.snapshots.get(id) ?? this.instances.get(id);
      if (!target) throw awsError(id.startsWith("ami-") ? "InvalidAMIID.NotFound" : "InvalidSnapshot.NotFound", `The ID '${id}' does not exist`);
      for (const tag of input.Tags) {
        target.tags = [...target.tags.filter((t) => t.Key !== tag.Key), tag];
      }
    }
    return {};
  }

  private describeSnapshots(input: { OwnerIds?: string[]; Filters?: Filter[] }) {
    const found = [...this.snapshots.values()].filter((s) => matches(input.Filters, {}, s.tags));
    return { Snapshots: found.map((s) => ({ SnapshotId: s.id, OwnerId: ACCOUNT, State: "completed", StartTime: s.startTime, Tags: s.tags, VolumeSize: 8 })) };
  }

  private deleteSnapshot(input: { SnapshotId: string }) {
    if (!this.snapshots.has(input.SnapshotId)) throw awsError("InvalidSnapshot.NotFound", `The snapshot '${input.SnapshotId}' does not exist.`);
    const user = [...this.images.values()].find((i) => i.snapshotIds.includes(input.SnapshotId));
    if (user) throw awsError("InvalidSnapshot.InUse", `The snapshot ${input.SnapshotId} is currently in use by ${user.id}`);
    this.snapshots.delete(input.SnapshotId);
    this.deleted.push(input.SnapshotId);
    return {};
  }

  private describeVolumes(input: { Filters?: Filter[] }) {
    const found = [...this.volumes.values()].filter((v) => matches(input.Filters, { status: "available" }, v.tags));
    return { Volumes: found.map((v) => ({ VolumeId: v.id, State: "available", CreateTime: v.createTime, Tags: v.tags, Size: 8 })) };
  }

  private deleteVolume(input: { VolumeId: string }) {
    if (!this.volumes.delete(input.VolumeId)) throw awsError("InvalidVolume.NotFound", `The volume '${input.VolumeId}' does not exist.`);
    this.deleted.push(input.VolumeId);
    return {};
  }
}

export const STATE_CODES: Record<string, number> = { pending: 0, running: 16, "shutting-down": 32, terminated: 48, stopping: 64, stopped: 80 };

// EC2's filter semantics: every filter must match; within one, any value; `*` and `?` are wildcards.
export function matches(filters: Filter[] | undefined, fields: Record<string, string>, tags: Tag[]): boolean {
  return (filters ?? []).every((f) => {
    const values = f.Values ?? [];
    const name = f.Name ?? "";
    if (name === "tag-key") return values.some((v) => tags.some((t) => t.Key === v));
    if (name.startsWith("tag:")) {
      const tag = tags.find((t) => t.Key === name.slice(4));
      return tag !== undefined && values.some((v) => glob(v).test(tag.Value ?? ""));
    }
    if (!(name in fields)) throw awsError("InvalidParameterValue", `The filter '${name}' is invalid`);
    return values.some((v) => glob(v).test(fields[name]));
  });
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

/** The options a recorded call was sent with (`{ abortSignal }`): the mock's typings list the command only. */
export function sendOptions(call: { args: unknown }): unknown {
  return (call.args as unknown[])[1];
}
