// Step prepare: the build's own folder in the store, under a temporary name; earlier builds' leftovers removed.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Step } from "../../runner.js";
import { ensureStore, type Store } from "../../store.js";
import { pollUntil } from "../../../shared/poll.js";
import { removeTree } from "../../tree-ops.js";
import type { LocalState } from "./state.js";

export const prepare: Step<LocalState> = {
  name: "prepare",
  title: "make the build's folder in the store",
  async run(state, ctx) {
    ensureStore(state.store);
    await removeAbandoned(state.store, ctx.progress);
    mkdirSync(join(state.tree, "opt/unibox"), { recursive: true, mode: 0o755 });
    for (const dir of [state.building, state.tree, join(state.tree, "opt"), join(state.tree, "opt/unibox")]) chmodSync(dir, 0o755);
    writeFileSync(join(state.building, "pid"), String(process.pid));
    mkdirSync(state.sources, { recursive: true, mode: 0o755 });
    writeFileSync(join(state.sources, "pid"), String(process.pid));
  },
  // After a seal the folder has been renamed to the image's id: nothing is left under the temporary name.
  async cleanup(state) {
    await removeTree(state.building);
  },
};

/**
 * A build killed with SIGKILL leaves `.building-*`, `.sources-*` and `.tmp-*` behind: removes those whose builder
 * is gone (each holds its builder's pid), and returns them. Every build does it first; `--cleanup-orphans` too.
 */
export async function removeAbandoned(store: Store, progress: (m: string) => void, dryRun = false): Promise<string[]> {
  const under = (dir: string, prefix: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(prefix)).map((n) => join(dir, n)) : []);
  const candidates = [
    ...under(store.imagesDir, ".building-"),
    ...under(store.cacheDir(), ".sources-"),
    ...under(store.cacheDir("repos"), ".tmp-"),
    ...[...under(store.cacheDir("unibox"), ""), ...under(store.cacheDir("runtimes"), "")].filter((d) => /\.tmp-/.test(d)),
  ];
  const removed: string[] = [];
  for (const dir of candidates) {
    if (builderAlive(dir)) continue;
    removed.push(dir);
    if (dryRun) continue;
    progress(`removing ${dir}, left by a build that was killed`);
    // What the killed build had started may still be finishing (for a moment): try again, within a bound. Not
    // this build's to fail on: a leftover that cannot go now is tried again by the next build.
    const gone = await pollUntil(() => removeTree(dir).then(() => true, () => false), 10_000, 200);
    if (!gone) progress(`could not remove ${dir} yet (something still writes in it); the next build tries again`);
  }
  return removed;
}

function builderAlive(dir: string): boolean {
  try {
    const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    // A zombie is a builder that died and was not reaped: as dead as one that is gone.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
