// `unibox image build`: bake the stack into one image, or reuse the one with the same fingerprint.
import { imageBuild } from "../image/build.js";
import { liveReporter, plainReporter, wantsLiveList } from "../image/progress.js";
import { checkStore, openStore, storeDir } from "../image/store.js";
import { makeTarget } from "../image/targets/make-target.js";
import type { TargetName } from "../image/types.js";
import { loadStack } from "../stack/load.js";
import { cancelOnSignals } from "../shared/cancel-on-signals.js";
import { table, type CommandResult } from "./result.js";

export interface ImageBuildCommandOptions {
  root: string;
  target: TargetName;
  /** Default `<root>/.unibox`. */
  store?: string;
  dryRun: boolean;
  json: boolean;
  /** Instead of building: remove what killed builds left (older than `olderThanMs` on AWS). */
  cleanupOrphans?: { olderThanMs: number };
}

export async function imageBuildCommand(options: ImageBuildCommandOptions): Promise<CommandResult> {
  const store = openStore(storeDir(options.root, options.store));
  checkStore(store);
  if (options.cleanupOrphans) return orphansCommand(options, store, options.cleanupOrphans.olderThanMs);
  const stack = loadStack(options.root);
  const target = await makeTarget(options.target, stack.image, store);
  const { signal, release } = cancelOnSignals(BUILD_CANCEL);
  const t0 = performance.now();
  try {
    const result = await imageBuild({
      stack,
      target,
      store,
      dryRun: options.dryRun,
      signal,
      note: (line) => process.stderr.write(`note: ${line}\n`),
      uniboxPackage: process.env.UNIBOX_PACKAGE || undefined,
      reporter: async (steps) => (wantsLiveList() && !options.json ? liveReporter(steps) : { reporter: plainReporter(), done: async () => {} }),
    });
    const { input } = result;
    const repos = Object.fromEntries(input.recipe.repos.map((r) => [r.name, r.commit]));
    const common = { fingerprint: input.fingerprint, target: target.name, repos, seconds: Math.round((performance.now() - t0) / 100) / 10 };
    if (result.kind === "dry-run") {
      return {
        json: { id: input.manifest.id, ...common, reused: false, dryRun: true, steps: result.steps, resources: result.resources },
        text: [
          `dry run: the ${target.name} target would build ${input.manifest.id} (fingerprint ${input.fingerprint.slice(0, 16)}…)`,
          "",
          "steps:",
          ...result.steps.map((s, i) => `  ${i + 1}. ${s.name}: ${s.title}`),
          "",
          "would create:",
          table([["KIND", "NAME", "DETAIL"], ...result.resources.map((r) => [r.kind, r.name, r.detail ?? ""])]),
        ].join("\n"),
      };
    }
    const { image } = result;
    const reused = result.kind === "reused";
    const json = { id: image.id, ...common, reused, created: image.created, location: image.location, ...(image.repoBuilds ? { repoBuilds: image.repoBuilds } : {}) };
    const built = image.repoBuilds ? Object.entries(image.repoBuilds).map(([n, r]) => `${n} ${r.built ? "built" : "cached"}`) : [];
    return {
      json,
      text: reused
        ? `reused ${image.id}: an image with fingerprint ${input.fingerprint.slice(0, 16)}… exists (${image.location}); nothing built`
        : `built ${image.id} in ${common.seconds} s (${image.location})${built.length ? `; repos: ${built.join(", ")}` : ""}`,
    };
  } finally {
    release();
  }
}

// Ctrl-C and SIGTERM cancel the build: the runner unwinds every cleanup before the process exits.
const BUILD_CANCEL = {
  cancelling: "cancelling; cleaning up what the build created",
  again: "still cleaning up what the build created; wait for it, or run `unibox image build --cleanup-orphans` later",
};

async function orphansCommand(options: ImageBuildCommandOptions, store: ReturnType<typeof openStore>, olderThanMs: number): Promise<CommandResult> {
  const { cleanupOrphans } = await import("../image/orphans.js");
  const { signal, release } = cancelOnSignals(BUILD_CANCEL);
  try {
    const result = await cleanupOrphans(options.target, store, { olderThanMs, dryRun: options.dryRun, signal, progress: (m) => process.stderr.write(`${m}\n`) });
    const verb = options.dryRun ? "would delete" : "deleted";
    const text = [
      `${result.deleted.length === 0 ? "no orphans" : `${verb} ${result.deleted.length} orphan(s)`} of killed ${options.target} builds`,
      ...result.deleted.map((r) => `  ${r.kind} ${r.name}`),
      ...result.failed.map((f) => `  could not delete ${f.resource.kind} ${f.resource.name}: ${f.error}`),
    ].join("\n");
    return { json: { target: options.target, dryRun: options.dryRun, ...result }, text, exitCode: result.failed.length ? 1 : 0 };
  } finally {
    release();
  }
}
