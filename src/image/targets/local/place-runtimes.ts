// Step place-runtimes: the host's runtime binaries, copied once into the store's cache and hard-linked into
// each image as /opt/unibox/runtimes/<name>/bin/<name>, where a box's PATH finds them.
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Step } from "../../runner.js";
import { commitCacheEntry, linkEntry } from "./cache-entry.js";
import type { LocalState } from "./state.js";

export const placeRuntimes: Step<LocalState> = {
  name: "place-runtimes",
  title: "place the runtimes",
  async run(state, ctx) {
    mkdirSync(join(state.tree, "opt/unibox/runtimes"), { recursive: true, mode: 0o755 });
    for (const runtime of state.input.recipe.runtimes) {
      if (!runtime.host) continue;
      // `<name>/bin/<name>`: the layout of a runtime's own archive, which boxes put first on PATH.
      const entry = state.store.cacheDir("runtimes", `${runtime.name}-${runtime.version}-${runtime.host.sha256.slice(0, 12)}`);
      if (!existsSync(entry)) {
        ctx.progress(`copying ${runtime.host.path} into the cache`);
        const tmp = `${entry}.tmp-${state.input.buildId}`;
        mkdirSync(join(tmp, "bin"), { recursive: true, mode: 0o755 });
        writeFileSync(join(tmp, "pid"), String(process.pid));
        copyFileSync(runtime.host.path, join(tmp, "bin", runtime.name));
        chmodSync(join(tmp, "bin", runtime.name), 0o755);
        rmSync(join(tmp, "pid"));
        await commitCacheEntry(tmp, entry);
      }
      await linkEntry(state, entry, `runtimes/${runtime.name}`);
    }
  },
};
