// Step install-unibox: unibox itself (/opt/unibox/unibox and the /opt/unibox/bin/unibox launcher), installed by
// the script's `unibox` phase once per unibox payload and runtime, then hard-linked into each image.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runScript } from "../../run-script.js";
import type { Step } from "../../runner.js";
import { removeTree } from "../../tree-ops.js";
import { commitCacheEntry, linkEntry, sealCacheEntry } from "./cache-entry.js";
import { payloadDigest } from "../../unibox-payload.js";
import { scriptEnv, type LocalState } from "./state.js";

/** `<store>/cache/unibox/<key>`: holds opt/unibox/{unibox,bin} for this payload and runtime. */
export function uniboxCacheDir(state: LocalState): string {
  const runtimes = state.input.recipe.runtimes.map((r) => [r.name, r.version, r.host?.sha256 ?? r.archive?.sha256]);
  const key = createHash("sha256").update(JSON.stringify([payloadDigest(), runtimes, state.input.recipe.base.id])).digest("hex");
  return state.store.cacheDir("unibox", key.slice(0, 16));
}

export const installUnibox: Step<LocalState> = {
  name: "install-unibox",
  title: "install unibox itself",
  async run(state, ctx) {
    const cache = uniboxCacheDir(state);
    if (!existsSync(cache)) {
      ctx.progress("npm ci --omit=dev of unibox");
      const tmp = `${cache}.tmp-${state.input.buildId}`;
      mkdirSync(tmp, { recursive: true, mode: 0o755 });
      writeFileSync(join(tmp, "pid"), String(process.pid));
      try {
        await runScript({ file: state.script, phases: ["unibox"], env: scriptEnv(state, tmp, join(process.env.HOME ?? "/root", ".npm")), signal: ctx.signal, progress: ctx.progress });
        // Sealed before the rename: the entry appears whole or not at all.
        for (const part of ["unibox", "bin"]) await sealCacheEntry(join(tmp, "opt/unibox", part));
        await commitCacheEntry(join(tmp, "opt/unibox"), cache);
      } finally {
        await removeTree(tmp);
      }
    } else {
      ctx.progress("unibox from the cache");
    }
    for (const part of ["unibox", "bin"]) await linkEntry(state, join(cache, part), part);
  },
};
