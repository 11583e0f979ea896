// A cache entry (a built repo, unibox installed, a runtime) is sealed once, when it is made: read-only, its
// tree lines and its secret-scan findings kept beside it (`<entry>.meta.json`). Every image that hard-links it
// then reuses both instead of hashing and scanning the same files again: a rebuild pays for what changed.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { execa } from "execa";
import { RuntimeFailure } from "../../../errors.js";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { scanSecrets, type SecretFinding } from "../../secret-scan.js";
import { parseTreeLines, treeEntries, treeLines, type TreeEntry } from "../../tree-digest.js";
import { linkTree, removeTree, sealTree } from "../../tree-ops.js";
import type { LocalState } from "./state.js";

export interface CacheMeta {
  /** The entry's tree lines (paths relative to the entry), as sealed. */
  lines: string;
  /** What the secret scan found in it (paths relative to the entry), before any allowSecrets. */
  findings: SecretFinding[];
}

const metaFile = (entry: string) => `${entry}.meta.json`;

/**
 * Makes `entry` read-only and records its lines and findings. Refuses (and the caller removes) an entry holding
 * anything not root's when unibox runs as root: the build user must own nothing a box runs.
 */
export async function sealCacheEntry(entry: string): Promise<CacheMeta> {
  if (process.getuid?.() === 0) {
    const strays = await execa("find", [entry, "!", "-uid", "0", "-print", "-quit"]);
    if (strays.stdout.trim()) {
      throw new RuntimeFailure(`${strays.stdout.trim()} is not root's after the build: a build step left something behind that changed it late`, {
        details: ["Build steps must finish their work before they exit: nothing may run on in the background."],
      });
    }
  }
  await refuseLinksOut(entry);
  await sealTree(entry);
  const meta: CacheMeta = { lines: treeLines(treeEntries(entry)), findings: scanSecrets(entry) };
  writeFileSync(`${metaFile(entry)}.tmp`, JSON.stringify(meta), { mode: 0o444 });
  renameSync(`${metaFile(entry)}.tmp`, metaFile(entry));
  return meta;
}

/** The entry's meta; made now if a build was killed between making the entry and sealing it. */
export async function cacheMeta(entry: string): Promise<CacheMeta> {
  if (existsSync(metaFile(entry))) {
    try {
      return JSON.parse(readFileSync(metaFile(entry), "utf8")) as CacheMeta;
    } catch {
      // Unreadable: made again below.
    }
  }
  return sealCacheEntry(entry);
}

/**
 * Hard-links the cache entry into the image at `opt/unibox/<rel>`, remembering it for the scan and the seal. An
 * entry that is no longer as it was sealed (something in it not root's, or writable) is not linked: its files
 * would be baked without being hashed or scanned again.
 */
export async function linkEntry(state: LocalState, entry: string, rel: string): Promise<void> {
  if (process.getuid?.() === 0) {
    const changed = await execa("find", [entry, "(", "!", "-uid", "0", "-o", "!", "-type", "l", "-perm", "/0222", ")", "-print", "-quit"]);
    if (changed.stdout.trim()) {
      throw new RuntimeFailure(`the cached build ${entry} was changed after it was sealed: ${changed.stdout.trim()} is not root's read-only file`, {
        details: [`Remove it (rm -rf ${entry}; the next build makes it again) and find out who could write the store.`],
      });
    }
  }
  await linkTree(entry, join(state.tree, "opt/unibox", rel));
  state.linked.push({ rel, entry });
}

/** The linked entries' tree entries, their paths under `opt/unibox` as the image has them. */
export async function linkedEntries(state: LocalState): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  for (const { rel, entry } of state.linked) {
    for (const e of parseTreeLines((await cacheMeta(entry)).lines)) out.push({ ...e, path: `${rel}/${e.path}` });
  }
  return out;
}

/** The linked entries' findings, their paths relative to the image root. */
export async function linkedFindings(state: LocalState): Promise<SecretFinding[]> {
  const out: SecretFinding[] = [];
  for (const { rel, entry } of state.linked) for (const f of (await cacheMeta(entry)).findings) out.push({ ...f, path: `opt/unibox/${rel}/${f.path}` });
  return out;
}

/**
 * Puts a freshly built `tmp` in the cache as `entry`, sealed. Another build may have put the same entry there
 * first (builds of one commit at once in CI): then that one is kept and `tmp` dropped. An entry that cannot be
 * sealed (a FIFO, a file not root's) is removed, so no later build trips on it.
 */
export async function commitCacheEntry(tmp: string, entry: string): Promise<void> {
  try {
    renameSync(tmp, entry);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === "ENOTEMPTY" || code === "EEXIST") && existsSync(entry)) {
      await removeTree(tmp);
      return;
    }
    throw err;
  }
  try {
    await sealCacheEntry(entry);
  } catch (err) {
    await removeTree(entry);
    throw err;
  }
}

// A symlink baked into a checkout is digested as its text only: one pointing out of the checkout (to /tmp, to
// the build user's npm cache) would let what it names change after the seal, unseen by `image verify`.
async function refuseLinksOut(entry: string): Promise<void> {
  const { stdout } = await execa("find", [entry, "-type", "l", "-printf", "%p\\0%l\\0"], { stripFinalNewline: false });
  const parts = stdout.split("\0");
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const [link, target] = [parts[i], parts[i + 1]];
    const to = isAbsolute(target) ? target : resolve(dirname(link), target);
    if (isAbsolute(target) || (to !== entry && !to.startsWith(`${entry}/`))) {
      throw new RuntimeFailure(`${link} is a symlink to ${target}, outside the checkout: what it names could change after the image is sealed`, {
        details: ["Make it a relative link inside the repo, or copy what it names in a build step."],
      });
    }
  }
}
