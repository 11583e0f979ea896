// Step place-runtimes: the host's runtime binaries, copied once into the store's cache and hard-linked into
// each image as /opt/unibox/runtimes/<name>/bin/<name>, where a box's PATH finds them.
import { copyFileSync, existsSync, linkSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { Step } from "../../runner.js";
import type { LocalState } from "./state.js";

export const placeRuntimes: Step<LocalState> = {
  name: "place-runtimes",
  title: "place the runtimes",
  async run(state, ctx) {
    for (const runtime of state.input.recipe.runtimes) {
      if (!runtime.host) continue;
      const cached = state.store.cacheDir("runtimes", `${runtime.name}-${runtime.version}-${runtime.host.sha256.slice(0, 12)}`, runtime.name);
      if (!existsSync(cached)) {
        ctx.progress(`copying ${runtime.host.path} into the cache`);
        mkdirSync(join(cached, ".."), { recursive: true, mode: 0o755 });
        const tmp = `${cached}.tmp-${process.pid}`;
        copyFileSync(runtime.host.path, tmp);
        renameSync(tmp, cached);
      }
      const bin = join(state.tree, "opt/unibox/runtimes", runtime.name, "bin");
      mkdirSync(bin, { recursive: true, mode: 0o755 });
      linkSync(cached, join(bin, runtime.name));
    }
  },
};
