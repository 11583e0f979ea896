// The command table: every command, its options, and how its typed input is built from what was typed.
// Each command's module is imported only when it runs: `boot` must not pay for what `image build` loads.
import { Option } from "commander";
import type { CommandResult } from "../commands/result.js";
import type { ReadTagsOptions } from "../identity/resolve.js";
import type { Input } from "./input.js";

/** Option groups several commands share. */
export type OptionGroup = "identity" | "box" | "prefix";

export interface CommandSpec {
  /** `boot`, or a group and a command: `image build`. */
  name: string;
  /** Positional arguments in commander's syntax, e.g. `<instance>`. */
  args?: string;
  summary: string;
  groups: OptionGroup[];
  /** Options of this command alone. */
  options?: Option[];
  run(input: Input): Promise<CommandResult>;
}

/** The options of each group. `--root` and `--json` every command has. */
export function groupOptions(group: OptionGroup): Option[] {
  switch (group) {
    case "identity":
      return [
        new Option("--tags-file <file>", "tags as a JSON object or KEY=VALUE lines (instead of EC2)"),
        new Option("--tag <key=value>", "a tag (repeatable; overrides --tags-file)").argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]),
        new Option("--tag-wait <secs>", "how long to wait for required tags from EC2").default("60"),
      ];
    case "box":
      return [
        new Option("--cpus <n>", "vCPUs to plan per-CPU replicas for (default: this machine's)"),
        new Option("--port-offset <n>", "added to every port (review boxes side by side)").default("0"),
        new Option("--env-dir <dir>", "the box's own env layer (not baked: secrets, managed endpoints), innermost of the files"),
      ];
    case "prefix":
      return [new Option("--prefix <dir>", "root of every on-box path").default("/")];
  }
}

/** Where the tags come from, as `readTags` takes it. */
function identityInput(i: Input): ReadTagsOptions {
  return { tagsFile: i.optionalString("tagsFile"), tagFlags: i.pairs("tag"), tagWaitMs: i.int("tagWait") * 1000 };
}

/** What every command that plans a box takes. */
function planInput(i: Input) {
  return {
    root: i.string("root"),
    identity: identityInput(i),
    cpus: i.optionalInt("cpus", 1, 1024),
    portOffset: i.int("portOffset", 0, 65535),
    envDir: i.optionalString("envDir"),
    prefix: i.string("prefix"),
  };
}

/** What each group of commands is for, in `unibox --help`. */
export const GROUP_SUMMARIES: Record<string, string> = {
  image: "bake the stack into one image (build), and list, verify, scan or prune images",
  review: "isolated review boxes: the whole stack on one box, any ref of any repo",
  fleet: "the running boxes, found by their tags",
};

/** `--target` of the commands that act on boxes: this machine, or EC2. */
const boxTargetOption = () => new Option("--target <target>", "local: this machine's store; ec2: instances found by their tags").choices(["local", "ec2"]).default("local");
const repeatable = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

/** `--store`: where local images live. */
const storeOption = () => new Option("--store <dir>", "the local image store (default: .unibox/ in the stack root)");

export const COMMANDS: CommandSpec[] = [
  {
    name: "validate",
    summary: "check the stack definition; every error as file:line:col",
    groups: [],
    run: async (i) => (await import("../commands/validate.js")).validateCommand({ root: i.string("root") }),
  },
  {
    name: "plan",
    summary: "what this box would run: instances, replicas, ports, users, env layers, order",
    groups: ["identity", "box", "prefix"],
    run: async (i) => (await import("../commands/plan.js")).planCommand(planInput(i)),
  },
  {
    name: "env",
    args: "<instance>",
    summary: "the resolved environment of one instance, each variable with its layer",
    groups: ["identity", "box", "prefix"],
    run: async (i) => (await import("../commands/env.js")).envCommand({ ...planInput(i), instance: i.arg(0) ?? "" }),
  },
  {
    name: "boot",
    summary: "read tags, write runit service dirs, supervise; converge to the plan",
    groups: ["identity", "box", "prefix"],
    options: [
      new Option("--service-dir <dir>", "the directory runsvdir scans (default: <prefix>/etc/service, links followed)"),
      new Option("--wait <secs>", "return when every instance is healthy; exit 4 if not within secs"),
      new Option("--status-port <port>", "port of the box's health endpoint, unibox.status (plus the port offset; 0: none)").default("9100"),
      new Option("--image <id>", "boot a local image's baked tree (its stack, checkouts and runtimes) instead of --root's working tree"),
      storeOption(),
    ],
    run: async (i) =>
      (await import("../commands/boot.js")).bootCommand({
        ...planInput(i),
        serviceDir: i.optionalString("serviceDir"),
        waitMs: mul(i.optionalInt("wait"), 1000),
        statusPort: i.int("statusPort", 0, 65535),
        image: i.optionalString("image"),
        store: i.optionalString("store"),
      }),
  },
  {
    name: "serve-status",
    summary: "the box's health endpoint (GET /health: 200 while every instance is healthy); boot runs it as unibox.status",
    groups: ["prefix"],
    options: [new Option("--port <port>", "port to listen on").makeOptionMandatory(), new Option("--host <addr>", "address to listen on").default("127.0.0.1")],
    run: async (i) =>
      (await import("../commands/serve-status.js")).serveStatusCommand({ prefix: i.string("prefix"), port: i.int("port", 1, 65535), host: i.string("host") }),
  },
  {
    name: "status",
    summary: "each instance: state, pid, uptime, health, last exit",
    groups: ["prefix"],
    run: async (i) => (await import("../commands/status.js")).statusCommand({ prefix: i.string("prefix") }),
  },
  {
    name: "restart",
    args: "[target]",
    summary: "restart SERVICE[.COMPONENT] (default: all) one replica at a time, each healthy before the next",
    groups: ["prefix"],
    run: async (i) => (await import("../commands/restart.js")).restartCommand({ prefix: i.string("prefix"), target: i.arg(0) }),
  },
  {
    name: "down",
    summary: "stop everything gracefully, dependents first; --reset removes what boot generated",
    groups: ["prefix"],
    options: [new Option("--reset", "also stop runsvdir and remove generated files, as on a new instance (logs stay)")],
    run: async (i) => (await import("../commands/down.js")).downCommand({ prefix: i.string("prefix"), reset: i.flag("reset") }),
  },
  {
    name: "image build",
    summary: "bake the stack into one image (every repo at its commit, runtimes, unibox); reuse it when nothing changed",
    groups: [],
    options: [
      new Option("--target <target>", "where the image is built").choices(["local", "ec2", "imagebuilder"]).default("local"),
      new Option("--dry-run", "show the steps, the fingerprint and what would be created; create nothing"),
      storeOption(),
      new Option("--cleanup-orphans", "instead of building: delete what builds killed with SIGKILL left (AWS: resources tagged unibox:build-id)"),
      new Option("--older-than <duration>", "with --cleanup-orphans on AWS: only what a build started longer ago (a younger one may still run)").default("3h"),
    ],
    run: async (i) =>
      (await import("../commands/image-build.js")).imageBuildCommand({
        root: i.string("root"),
        target: i.string("target") as "local" | "ec2" | "imagebuilder",
        store: i.optionalString("store"),
        dryRun: i.flag("dryRun"),
        json: i.flag("json"),
        cleanupOrphans: i.flag("cleanupOrphans") ? { olderThanMs: i.duration("olderThan") } : undefined,
      }),
  },
  {
    name: "image ls",
    summary: "the images in the local store, newest first",
    groups: [],
    options: [storeOption()],
    run: async (i) => (await import("../commands/image-ls.js")).imageLsCommand({ root: i.string("root"), store: i.optionalString("store") }),
  },
  {
    name: "image scan",
    args: "<tree> [dirs...]",
    summary: "scan a tree (or some of its dirs) for what must not be baked: keys, credentials, histories, machine ids",
    groups: [],
    options: [new Option("--allow <path>", "a tree-relative path, dir/ or glob the scan lets through (repeatable)").argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v])],
    run: async (i) => (await import("../commands/image-scan.js")).imageScanCommand({ root: i.arg(0) ?? "", dirs: i.args.slice(1), allow: i.list("allow") }),
  },
  {
    name: "image verify",
    args: "<id>",
    summary: "recompute a local image's tree digest and check it against its provenance statement",
    groups: [],
    options: [storeOption()],
    run: async (i) => (await import("../commands/image-verify.js")).imageVerifyCommand({ root: i.string("root"), store: i.optionalString("store"), id: i.arg(0) ?? "" }),
  },
  {
    name: "image prune",
    summary: "remove old images that nothing uses (never one a box runs, a launch template names, or a promoted one)",
    groups: [],
    options: [
      new Option("--keep <n>", "how many of the newest images stay whatever").makeOptionMandatory(),
      new Option("--dry-run", "list what would be removed; remove nothing"),
      new Option("--include-promoted", "promoted images may go too"),
      boxTargetOption(),
      storeOption(),
    ],
    run: async (i) =>
      (await import("../commands/image-prune.js")).imagePruneCommand({
        root: i.string("root"),
        store: i.optionalString("store"),
        target: i.string("target") as "local" | "ec2",
        keep: i.int("keep", 0, 10000),
        dryRun: i.flag("dryRun"),
        includePromoted: i.flag("includePromoted"),
      }),
  },
  {
    name: "review up",
    summary: "a review box of the whole stack, healthy before this returns; prints its URL",
    groups: [],
    options: [
      new Option("--name <name>", "the box's name (default: from the first --ref, plus 4 hex digits)"),
      new Option("--image <id>", "the image to run (default: the newest)"),
      new Option("--ref <repo=ref>", "run this branch, tag or commit of this repo (repeatable); built once per commit through the image cache").argParser(repeatable),
      new Option("--stack-ref <ref>", "use the roles and envdirs of this branch of the stack definition"),
      new Option("--ttl <duration>", "idle time before `review reap` removes it, from its last request (0: never)").default("8h"),
      new Option("--max-age <duration>", "age after which `review reap` removes it, busy or not"),
      new Option("--wait <secs>", "how long the box may take to become healthy (exit 4 after)").default("300"),
      boxTargetOption(),
      storeOption(),
      new Option("--instance-type <type>", "ec2: the instance type").default("t3.large"),
      new Option("--subnet <id>", "ec2: the subnet to launch in"),
      new Option("--security-group <id>", "ec2: a security group (repeatable)").argParser(repeatable),
      new Option("--iam-instance-profile <name>", "ec2: the box's instance profile"),
      new Option("--key-name <name>", "ec2: an SSH key pair"),
    ],
    run: async (i) =>
      (await import("../commands/review.js")).reviewUpCommand({
        root: i.string("root"),
        store: i.optionalString("store"),
        target: i.string("target") as "local" | "ec2",
        name: i.optionalString("name"),
        image: i.optionalString("image"),
        refs: i.pairs("ref"),
        stackRef: i.optionalString("stackRef"),
        ttlMs: i.optionalDuration("ttl", true),
        maxAgeMs: i.optionalDuration("maxAge"),
        waitMs: i.int("wait", 1, 86400) * 1000,
        ec2: {
          instanceType: i.optionalString("instanceType"),
          subnetId: i.optionalString("subnet"),
          securityGroupIds: i.list("securityGroup"),
          iamInstanceProfile: i.optionalString("iamInstanceProfile"),
          keyName: i.optionalString("keyName"),
        },
      }),
  },
  {
    name: "review ls",
    summary: "the review boxes: name, image, refs, age, expiry, last activity, health, URL",
    groups: [],
    options: [boxTargetOption(), storeOption()],
    run: async (i) => (await import("../commands/review.js")).reviewLsCommand({ root: i.string("root"), store: i.optionalString("store"), target: i.string("target") as "local" | "ec2" }),
  },
  {
    name: "review down",
    args: "<name>",
    summary: "stop a review box gracefully and remove it, its databases and data with it",
    groups: [],
    options: [boxTargetOption(), storeOption()],
    run: async (i) => (await import("../commands/review.js")).reviewDownCommand({ root: i.string("root"), store: i.optionalString("store"), target: i.string("target") as "local" | "ec2", name: i.arg(0) ?? "" }),
  },
  {
    name: "review reap",
    summary: "remove every review box past its expiry (idle longer than its --ttl, or older than its --max-age)",
    groups: [],
    options: [new Option("--dry-run", "list what would be removed; remove nothing"), boxTargetOption(), storeOption()],
    run: async (i) =>
      (await import("../commands/review.js")).reviewReapCommand({ root: i.string("root"), store: i.optionalString("store"), target: i.string("target") as "local" | "ec2", dryRun: i.flag("dryRun") }),
  },
  {
    name: "promote",
    args: "<box>",
    summary: "image a healthy review box as the production image, with provenance (box, parent image, commits, health)",
    groups: [],
    options: [new Option("--launch-template <lt>", "ec2: a new launch-template version with the new AMI, made the default"), boxTargetOption(), storeOption()],
    run: async (i) =>
      (await import("../commands/promote.js")).promoteCommand({
        root: i.string("root"),
        store: i.optionalString("store"),
        target: i.string("target") as "local" | "ec2",
        box: i.arg(0) ?? "",
        launchTemplate: i.optionalString("launchTemplate"),
      }),
  },
  {
    name: "rollout",
    summary: "an instance refresh of an Auto Scaling group to a pinned launch-template version, with auto-rollback",
    groups: [],
    options: [
      new Option("--asg <name>", "the Auto Scaling group").makeOptionMandatory(),
      new Option("--min-healthy <percent>", "healthy capacity kept during the refresh").default("90"),
      new Option("--checkpoints <list>", "pause points in percent, e.g. 20,50,100"),
      new Option("--version <n>", "the launch-template version (default: the template's default, as its number)"),
      new Option("--dry-run", "show which instances would be replaced; start nothing"),
      new Option("--timeout <duration>", "how long to follow the refresh").default("2h"),
    ],
    run: async (i) =>
      (await import("../commands/rollout.js")).rolloutCommand({
        asg: i.string("asg"),
        minHealthy: i.int("minHealthy", 0, 100),
        checkpoints: i.optionalString("checkpoints"),
        version: i.optionalString("version"),
        dryRun: i.flag("dryRun"),
        timeoutMs: i.duration("timeout"),
      }),
  },
  {
    name: "rollback",
    summary: "make the launch template's previous version its default again",
    groups: [],
    options: [new Option("--launch-template <lt>", "the launch template (id or name)").makeOptionMandatory()],
    run: async (i) => (await import("../commands/rollout.js")).rollbackCommand({ launchTemplate: i.string("launchTemplate") }),
  },
  {
    name: "fleet ls",
    summary: "the running boxes found by their tags (ec2) or in the store (local): mode, service, image, state, health",
    groups: [],
    options: [new Option("--mode <mode>", "only boxes of this mode"), new Option("--service <service>", "only boxes of this service"), boxTargetOption(), storeOption()],
    run: async (i) =>
      (await import("../commands/fleet-ls.js")).fleetLsCommand({
        root: i.string("root"),
        store: i.optionalString("store"),
        target: i.string("target") as "local" | "ec2",
        mode: i.optionalString("mode"),
        service: i.optionalString("service"),
      }),
  },
];

function mul(n: number | undefined, by: number): number | undefined {
  return n === undefined ? undefined : n * by;
}
