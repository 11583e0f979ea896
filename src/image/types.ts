// The data an image build passes between its parts: the resolved recipe, the manifest, what a target is.
// Plain data only: each part (recipe resolution, fingerprint, provisioning script, targets) reads these.
import type { Reporter } from "./runner.js";

/** The base an image is built on, resolved to a concrete id (the fingerprint includes it). */
export interface BaseImage {
  /** `ami-0abc…` for ec2/imagebuilder; `host:debian-12` for the local target. */
  id: string;
  /** The AMI's name, or the host's PRETTY_NAME. */
  name: string;
  /** When the AMI was created (ISO), when known. */
  created?: string;
}

/** One repo at the commit its ref resolved to. */
export interface ResolvedRepo {
  name: string;
  /** As written in image.yaml: a git URL or a path relative to the stack root. */
  url: string;
  ref: string;
  /** 40 hex digits. */
  commit: string;
  /**
   * For a local repo in a folder of a larger work tree (apps/api in the stack's own repo): the git tree id of that
   * folder at the commit. It, not the commit, keys the fingerprint and the build cache: a commit elsewhere in the
   * work tree does not rebuild the repo.
   */
  tree?: string;
  build: string[];
  /** Absolute path of a local repo (inside a git work tree), whose commit is exported with `git archive`. */
  localPath?: string;
}

/** A language runtime at an exact version, and where its archive comes from. */
export interface ResolvedRuntime {
  name: string;
  /** As written in image.yaml ("20"). */
  requested: string;
  /** Exact ("20.20.2"). */
  version: string;
  /** The official archive (or the mirror's copy) and its published sha256; absent when taken from the host. */
  archive?: { url: string; sha256: string };
  /** The host's own binary, for the local target (`base: host`): its path and sha256. */
  host?: { path: string; sha256: string };
}

/** The recipe with every ref, version and user resolved: what the fingerprint hashes and the script bakes. */
export interface ResolvedRecipe {
  stackRoot: string;
  base: BaseImage;
  /** The unprivileged user build steps run as (`unibox-build`: not a user any service runs as). */
  buildUser: string;
  /** Every user the roles name, and the build user: the script creates the missing ones as system users. */
  serviceUsers: string[];
  packages: string[];
  runtimes: ResolvedRuntime[];
  repos: ResolvedRepo[];
  /** Stack-root-relative paths of the stack definition files baked under /opt/unibox/stack, sorted. */
  stackFiles: string[];
  allowSecrets: string[];
}

/** `/opt/unibox/manifest.json`: where everything in the image came from. Also the tags on an AMI. */
export interface Manifest {
  schema: "unibox.manifest/v1";
  id: string;
  fingerprint: string;
  target: TargetName;
  created: string;
  base: BaseImage;
  repos: Record<string, { url: string; ref: string; commit: string; build: string[] }>;
  runtimes: Record<string, { version: string; sha256: string; source: string }>;
  packages: string[];
  unibox: { version: string };
  builder: { id: string; host: string };
  /** The CI run that built it, when the CI environment names one (GITHUB_*, CI_JOB_URL, BUILD_URL). */
  ciRunUrl?: string;
  /** Set on an image made by `unibox promote`: the reviewed box it was made from. */
  promotion?: Promotion;
}

/** What `promote` proves about an image: which review box it is, what that box ran, and when it was healthy. */
export interface Promotion {
  box: string;
  /** The image the box ran, and that image's tree digest. */
  parentImage: { id: string; treeDigest: string; fingerprint: string };
  /** Every repo's commit as the box ran it. */
  repos: Record<string, string>;
  /** The refs the box was asked to run (`review up --ref`), by repo. */
  refs: Record<string, string>;
  stackRef?: string;
  /** When the box's status endpoint answered 200 (every instance healthy), just before it was stopped. */
  healthVerifiedAt: string;
}

export type TargetName = "local" | "ec2" | "imagebuilder";

/** Everything a target needs to build one image. */
export interface BuildInput {
  /** Unique per build (`ub-<time>-<random>`): every resource a build creates is tagged with it. */
  buildId: string;
  fingerprint: string;
  recipe: ResolvedRecipe;
  manifest: Manifest;
  /** The provisioning script, rendered for this build (user data on ec2, a component on imagebuilder). */
  provisionScript: string;
}

/** A resource a build would create (`--dry-run`) or left behind (`--cleanup-orphans`). */
export interface PlannedResource {
  /** `security-group`, `instance`, `ami`, `snapshot`, `component`, `directory`… */
  kind: string;
  /** The name or id it will have, when known before it exists. */
  name: string;
  detail?: string;
}

/** An image a target has: built now, or found by its fingerprint. */
export interface BuiltImage {
  /** `img-…` in the local store; `ami-…` on AWS. */
  id: string;
  fingerprint: string;
  created: string;
  /** Where it is: a directory in the store, or a region. */
  location: string;
  /** Per repo: built by this build, or taken from the cache (local target). */
  repoBuilds?: Record<string, { built: boolean; ms: number }>;
}

export interface TargetRunOptions {
  signal: AbortSignal;
  reporter: Reporter;
}

/** One place images are built: the local store, EC2 through a builder instance, or EC2 Image Builder. */
export interface Target {
  name: TargetName;
  /** The concrete base the recipe's filter means today (newest matching AMI; the host's OS for local). */
  resolveBase(options: TargetRunOptions): Promise<BaseImage>;
  /** The image already built with this fingerprint, if there is one: the build is then skipped. */
  findByFingerprint(fingerprint: string, options: TargetRunOptions): Promise<BuiltImage | undefined>;
  /** The steps a build would run and the resources it would create, for `--dry-run`. Creates nothing. */
  describe(input: BuildInput): { steps: { name: string; title: string }[]; resources: PlannedResource[] };
  /** Runs the build's steps (cleanups unwound whatever happens) and returns the sealed image. */
  build(input: BuildInput, options: TargetRunOptions): Promise<BuiltImage>;
}
