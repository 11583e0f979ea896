// Step build-repos: each repo at its commit, built by the provisioning script's `repos` phase into the
// per-repo cache, then hard-linked into the image. A repo already built at the same commit, steps, runtime and
// base is not built again: a change in one repo rebuilds only that one.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoBuildKey } from "../../fingerprint.js";
import { runScript } from "../../run-script.js";
import type { Step } from "../../runner.js";
import { linkTree, removeTree } from "../../tree-ops.js";
import { commitCacheEntry, linkEntry } from "./cache-entry.js";
import type { ResolvedRepo } from "../../types.js";
import { buildUserNpmCache, scriptEnv, type LocalState } from "./state.js";

/** Where the repo's build for this recipe is cached. */
export function repoCacheDir(state: LocalState, repo: ResolvedRepo): string {
  return state.store.repoCacheDir(repo.name, repoBuildKey(state.input.recipe, repo));
}

export const buildRepos: Step<LocalState> = {
  name: "build-repos",
  title: "check out and build each repo at its commit",
  async run(state, ctx) {
    mkdirSync(join(state.tree, "opt/unibox/apps"), { recursive: true, mode: 0o755 });
    for (const repo of state.input.recipe.repos) {
      const cache = repoCacheDir(state, repo);
      const t0 = performance.now();
      const seed = state.seeds[repo.name];
      if (!existsSync(cache) && seed) {
        ctx.progress(`${repo.name}: ${repo.commit.slice(0, 12)} from the box's own checkout`);
        await seedInto(state, repo, seed, cache);
      }
      const built = !existsSync(cache);
      if (built) {
        ctx.progress(`${repo.name}: building ${repo.commit.slice(0, 12)} (${repo.build.length} step(s))`);
        await buildInto(state, repo, cache, ctx);
      } else {
        ctx.progress(`${repo.name}: ${repo.commit.slice(0, 12)} from the cache`);
      }
      await linkEntry(state, cache, `apps/${repo.name}`);
      state.repos[repo.name] = { cache, built, ms: performance.now() - t0 };
    }
  },
};

// A checkout that is already built (the box's baked one) becomes the cache entry: hard links, then sealed.
async function seedInto(state: LocalState, repo: ResolvedRepo, seed: string, cache: string): Promise<void> {
  const tmp = state.store.cacheDir("repos", `.tmp-${state.input.buildId}-${state.token}-${repo.name}-seed`);
  try {
    await linkTree(seed, tmp);
    await commitCacheEntry(tmp, cache);
  } finally {
    await removeTree(tmp);
  }
}

// Built under a temporary root, then renamed into the cache: a killed build never leaves a half entry there.
async function buildInto(state: LocalState, repo: ResolvedRepo, cache: string, ctx: Parameters<Step<LocalState>["run"]>[1]): Promise<void> {
  const tmp = state.store.cacheDir("repos", `.tmp-${state.input.buildId}-${state.token}-${repo.name}`);
  mkdirSync(tmp, { recursive: true, mode: 0o755 });
  writeFileSync(join(tmp, "pid"), String(process.pid));
  try {
    await runScript({ file: state.script, phases: ["repos"], env: { ...scriptEnv(state, tmp, await buildUserNpmCache(state)), UNIBOX_REPOS: repo.name }, signal: ctx.signal, progress: ctx.progress });
    await commitCacheEntry(join(tmp, "opt/unibox/apps", repo.name), cache);
  } finally {
    await removeTree(tmp);
  }
}
