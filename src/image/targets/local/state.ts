// What the local target's steps share while one build runs.
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { execa } from "execa";
import { lookupUser } from "../../../runtime/users.js";
import type { Store } from "../../store.js";
import type { BuildInput } from "../../types.js";

export interface LocalState {
  input: BuildInput;
  store: Store;
  /** `<store>/images/.building-<buildId>`: renamed to `<store>/images/<id>` when sealed. */
  building: string;
  /** `<building>/tree`: the image's root. */
  tree: string;
  /** Staged sources and the script, removed at the end: `<store>/cache/.sources-<buildId>`. */
  sources: string;
  /** The rendered provisioning script in `sources`. */
  script: string;
  /** The cache entries this build uses, by repo: built now or found. */
  repos: Record<string, { cache: string; built: boolean; ms: number }>;
  /** Cache entries hard-linked into the image, at `opt/unibox/<rel>`: scanned and digested when they were made. */
  linked: { rel: string; entry: string }[];
  /** 128 random bits in the names of this build's folders in the cache, which no other build can list or guess. */
  token: string;
  /** Set by the seal step. */
  sealed?: { id: string; dir: string; treeDigest: string; created: string };
  startedOn: string;
  /** Repo name -> a directory holding that repo already built at its commit: made the cache entry, not built. */
  seeds: Record<string, string>;
}

/** The environment every script phase of a local build gets; `npmCache` must be writable by whoever runs npm. */
export function scriptEnv(state: LocalState, root: string, npmCache?: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    LANG: "C.UTF-8",
    HOME: process.env.HOME ?? "/root",
    UNIBOX_ROOT: root,
    UNIBOX_SOURCES: state.sources,
    ...(npmCache ? { UNIBOX_NPM_CACHE: npmCache } : {}),
  };
}

/**
 * The npm cache build steps share between builds: `<store>/cache/npm-<build user>`, that user's alone (steps run as
 * it when unibox runs as root). Downloads are then made once per store, not once per build. A cache some other
 * user came to own (an older unibox's build user) is given back to the build user whole.
 */
export async function buildUserNpmCache(state: LocalState): Promise<string> {
  const user = state.input.recipe.buildUser;
  const dir = state.store.cacheDir(`npm-${user}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) {
    const info = lookupUser(user, "the build steps");
    const st = statSync(dir);
    if (st.uid !== info.uid || st.gid !== info.gid) await execa("chown", ["-R", "--", `${info.uid}:${info.gid}`, dir]);
    chmodSync(dir, 0o700);
  }
  return dir;
}
