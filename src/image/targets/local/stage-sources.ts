// Step stage-sources: the script and what it unpacks (each local repo's commit as a tar, unibox itself), for
// only what the cache does not already hold.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { archiveCommit, workTreeOf } from "../../git.js";
import type { Step } from "../../runner.js";
import { writePayloadTar } from "../../unibox-payload.js";
import type { LocalState } from "./state.js";
import { uniboxCacheDir } from "./install-unibox.js";
import { repoCacheDir } from "./build-repos.js";

export const stageSources: Step<LocalState> = {
  name: "stage-sources",
  title: "stage the script, repo commits and unibox",
  async run(state, ctx) {
    writeFileSync(state.script, state.input.provisionScript, { mode: 0o755 });
    for (const repo of state.input.recipe.repos) {
      if (!repo.localPath || existsSync(repoCacheDir(state, repo))) continue;
      const tree = await workTreeOf(repo.localPath);
      if (!tree) throw new Error(`${repo.localPath} is no longer in a git work tree`);
      ctx.progress(`git archive ${repo.name} ${repo.commit.slice(0, 12)}`);
      await archiveCommit(tree.top, repo.commit, tree.sub, join(state.sources, `${repo.name}.tar`), ctx.signal);
    }
    if (!existsSync(uniboxCacheDir(state))) await writePayloadTar(join(state.sources, "unibox.tar"));
  },
  async cleanup(state) {
    rmSync(state.sources, { recursive: true, force: true });
  },
};
