// Whole-tree operations of the local store, done by coreutils: hard-linked copies (a cached build costs no
// copy), sealing read-only, and removal of a sealed tree (its directories first made writable again).
import { execa } from "execa";
import { existsSync } from "node:fs";

/**
 * `dst` becomes a copy of `src` whose files are hard links to src's: same inodes, no data copied. The copy dies
 * with unibox (a build killed with -9 must not leave it filling a folder the next build is removing).
 */
export async function linkTree(src: string, dst: string): Promise<void> {
  await execa("setpriv", ["--pdeathsig", "KILL", "--", "cp", "-al", "--", src, dst]);
}

/**
 * Removes write permission for everyone from every file and directory under `dir` (and dir itself), but for the
 * `except` subtrees (hard links of cache entries, sealed when they were made: walking them again costs time).
 */
export async function sealTree(dir: string, except: string[] = []): Promise<void> {
  // Set-id bits go too: a setgid directory would hand its group to whatever is made in it.
  if (except.length === 0) {
    await execa("chmod", ["-R", "a-w,ug-s", "--", dir]);
    return;
  }
  const prune = except.flatMap((p, i) => [...(i ? ["-o"] : []), "-path", p]);
  await execa("find", [dir, "(", ...prune, ")", "-prune", "-o", "-exec", "chmod", "a-w,ug-s", "{}", "+"]);
}

/** Removes `dir` whole, sealed or not; rm does not follow symlinks. Directories only are made writable: files may be shared by hard links. */
export async function removeTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await execa("find", [dir, "-type", "d", "-exec", "chmod", "u+w", "{}", "+"], { reject: false });
  await execa("rm", ["-rf", "--", dir]);
}
