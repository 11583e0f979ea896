// The stack definition after loading and normalising: what the planner and runtime consume.
import type { Mode } from "./names.js";
import type { YamlFile } from "./yaml-file.js";

/** How many replicas a component runs in one mode. */
export type ReplicaRule = { fixed: number } | { perCpu: number; min: number; max?: number };

export type Health =
  | { kind: "http"; path: string; expect?: string; timeoutMs: number; intervalMs: number }
  | { kind: "tcp"; timeoutMs: number; intervalMs: number }
  | { kind: "cmd"; command: string; timeoutMs: number; intervalMs: number };

export interface Stop {
  command?: string;
  signal: string;
  graceMs: number;
}

export interface Component {
  name: string;
  command: string;
  replicas: Record<Mode, ReplicaRule>;
  port?: number;
  health?: Health;
  stop: Stop;
  /**
   * A one-shot (`once: true`): runs to completion on every start of the box, before the role's long-running
   * components and whatever needs the role; exactly one replica, no port, health or stop of its own.
   */
  once?: boolean;
  /** The box's one URL (`entry: true`): replica 0 of it is where a review box's traffic and activity are. */
  entry?: boolean;
}

export interface Role {
  /** The service name: the file name without `.yaml`. */
  name: string;
  /** `roles/<name>.yaml`, for diagnostics. */
  file: string;
  yaml: YamlFile;
  description?: string;
  repo?: string;
  user?: string;
  modes: Mode[];
  needs: string[];
  /** In definition order; a top-level `command:` is one component named `main`. */
  components: Component[];
}

/** One file of an env scope directory. */
export interface EnvEntry {
  /** The variable name (for a template, without `.hbs`). */
  name: string;
  /** Absolute path of the file (a symlink is followed when read, but for `own`). */
  path: string;
  template: boolean;
  /** `--env-dir`'s files: read with readOwnFile (no link followed, one link, root's or the invoker's), every time. */
  own?: true;
}

/** One directory under envdirs/. */
export interface EnvScope {
  /** The directory name: `common`, `review`, `api`, `api.web`, `review.api`, `review.api.web`. */
  name: string;
  dir: string;
  entries: EnvEntry[];
}

export interface Repo {
  name: string;
  url: string;
  ref: string;
  build: string[];
  /** Absolute path when `url` is a local path; what a development boot runs from. */
  localPath?: string;
}

export interface ImageRecipe {
  file: string;
  base: { host: true } | { ami: { name: string; owners: string[]; architecture: string } };
  /** The unprivileged user the build creates and roles without `user:` run as. */
  serviceUser: string;
  packages: string[];
  runtimes: Record<string, string>;
  /** Where a runtime's archives come from instead of its official distribution (a mirror of its layout). */
  mirrors: Record<string, string>;
  repos: Repo[];
  /** More of the stack root baked beside roles/, envdirs/ and image/ (relative paths). */
  include: string[];
  /** Paths the secret scan lets through. */
  allowSecrets: string[];
}

export interface Stack {
  /** Absolute path of the stack definition. */
  root: string;
  /** By service name, in name order. */
  roles: Map<string, Role>;
  envScopes: Map<string, EnvScope>;
  image: ImageRecipe;
}
