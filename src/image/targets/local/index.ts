// The local target: images are folders in a store on this machine, built on the host itself (its OS is the
// base, its runtimes are baked), by the same provisioning script the AWS targets run.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { concurrently, runSteps } from "../../runner.js";
import { findByFingerprint, type Store } from "../../store.js";
import type { BaseImage, BuildInput, BuiltImage, Target } from "../../types.js";
import { buildRepos, repoCacheDir } from "./build-repos.js";
import { installUnibox, uniboxCacheDir } from "./install-unibox.js";
import { placeRuntimes } from "./place-runtimes.js";
import { prepare } from "./prepare.js";
import { scanSecretsStep } from "./scan-secrets.js";
import { seal } from "./seal.js";
import { stageSources } from "./stage-sources.js";
import type { LocalState } from "./state.js";
import { checkPackages, createUsers } from "./users-and-packages.js";
import { writeStack } from "./write-stack.js";

/** The steps in order: each one file, each named in a failure. */
export const LOCAL_STEPS = [
  prepare,
  stageSources,
  createUsers,
  checkPackages,
  placeRuntimes,
  // Independent, and each mostly waits (npm, the disk): side by side, a rebuild pays little more than its repos.
  concurrently("build", "build each repo at its commit, and install unibox, side by side", [buildRepos, installUnibox]),
  writeStack,
  scanSecretsStep,
  seal,
];

/** The host's OS as the base: `host:debian-12`, named by /etc/os-release. */
export function hostBase(osRelease = "/etc/os-release"): BaseImage {
  let fields: Record<string, string> = {};
  try {
    fields = Object.fromEntries(
      readFileSync(osRelease, "utf8")
        .split("\n")
        .map((l) => /^([A-Z_]+)=("?)(.*)\2$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], m[3]]),
    );
  } catch {
    // No os-release: the base is still this host, named less precisely.
  }
  return { id: `host:${fields.ID ?? "linux"}-${fields.VERSION_ID ?? "unknown"}`, name: fields.PRETTY_NAME ?? "this host" };
}

/**
 * `seeds`: repo name -> a directory already holding that repo built at the commit the recipe names (a box's
 * baked checkout). A missing cache entry is made from it (hard links) instead of building the repo again.
 */
export interface LocalTargetOptions {
  seeds?: Record<string, string>;
}

function initialState(input: BuildInput, store: Store, options: LocalTargetOptions = {}): LocalState {
  const building = store.buildingDir(input.buildId);
  const sources = store.cacheDir(`.sources-${input.buildId}`);
  return { input, store, building, tree: join(building, "tree"), sources, script: join(sources, "provision.sh"), repos: {}, linked: [], token: randomBytes(16).toString("hex"), startedOn: new Date().toISOString(), seeds: options.seeds ?? {} };
}

export function localTarget(store: Store, options: LocalTargetOptions = {}): Target {
  return {
    name: "local",
    async resolveBase() {
      return hostBase();
    },
    async findByFingerprint(fp) {
      const image = findByFingerprint(store, fp);
      return image ? { id: image.id, fingerprint: image.fingerprint, created: image.created, location: image.dir } : undefined;
    },
    describe(input) {
      const state = initialState(input, store);
      const resources = [
        { kind: "directory", name: store.imageDir(input.manifest.id), detail: "the sealed image (built under a temporary name first)" },
        ...input.recipe.repos
          .filter((r) => !existsSync(repoCacheDir(state, r)))
          .map((r) => ({ kind: "repo-cache", name: repoCacheDir(state, r), detail: `${r.name} at ${r.commit.slice(0, 12)}, built by: ${r.build.join(" && ") || "(no steps)"}` })),
        ...(existsSync(uniboxCacheDir(state)) ? [] : [{ kind: "unibox-cache", name: uniboxCacheDir(state), detail: "unibox with its production dependencies" }]),
      ];
      return { steps: LOCAL_STEPS.map((s) => ({ name: s.name, title: s.title })), resources };
    },
    async build(input, run): Promise<BuiltImage> {
      const state = initialState(input, store, options);
      await runSteps(LOCAL_STEPS, state, run);
      const sealed = state.sealed!;
      const repoBuilds = Object.fromEntries(Object.entries(state.repos).map(([name, r]) => [name, { built: r.built, ms: Math.round(r.ms) }]));
      return { id: sealed.id, fingerprint: input.fingerprint, created: sealed.created, location: sealed.dir, repoBuilds };
    },
  };
}
