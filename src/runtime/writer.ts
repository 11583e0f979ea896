// The one place that puts generated files on disk: only what differs, each write atomic (beside, then rename).
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, readlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { DirSpec, FileSpec } from "./files.js";
import { isRoot } from "./users.js";

/** Creates the directory (and parents) if missing; fixes its mode and owner. Returns whether anything changed. */
export function ensureDir(spec: DirSpec): boolean {
  let changed = false;
  const st = statSync(spec.path, { throwIfNoEntry: false });
  if (!st) {
    // Parents are traversable (0755): a service user must reach its own 0700 directory under them.
    mkdirSync(dirname(spec.path), { recursive: true, mode: 0o755 });
    mkdirSync(spec.path, { mode: spec.mode });
    changed = true;
  }
  const now = st ?? statSync(spec.path);
  if ((now.mode & 0o7777) !== spec.mode) {
    chmodSync(spec.path, spec.mode);
    changed = true;
  }
  if (spec.owner && isRoot() && (now.uid !== spec.owner.uid || now.gid !== spec.owner.gid)) {
    chownSync(spec.path, spec.owner.uid, spec.owner.gid);
    changed = true;
  }
  return changed;
}

/**
 * Writes the file if its contents, mode or owner differ. The temporary name is a dotfile in the same
 * directory: chpst skips dotfiles, so an env dir never shows a half-written variable.
 */
export function writeFileAtomic(spec: FileSpec): boolean {
  const want = typeof spec.contents === "string" ? Buffer.from(spec.contents) : spec.contents;
  const st = lstatSync(spec.path, { throwIfNoEntry: false });
  if (st?.isFile() && (st.mode & 0o7777) === spec.mode && (!spec.owner || !isRoot() || (st.uid === spec.owner.uid && st.gid === spec.owner.gid))) {
    if (st.size === want.length && readFileSync(spec.path).equals(want)) return false;
  }
  const tmp = join(dirname(spec.path), `.${basename(spec.path)}.unibox-tmp`);
  writeFileSync(tmp, want, { mode: spec.mode });
  chmodSync(tmp, spec.mode); // the umask may have narrowed it
  if (spec.owner && isRoot()) chownSync(tmp, spec.owner.uid, spec.owner.gid);
  renameSync(tmp, spec.path);
  return true;
}

/** Points `link` at `target` atomically (a new link beside, renamed over the old). */
export function symlinkAtomic(target: string, link: string): boolean {
  const st = lstatSync(link, { throwIfNoEntry: false });
  if (st?.isSymbolicLink() && readlinkSync(link) === target) return false;
  const tmp = join(dirname(link), `.${basename(link)}.unibox-tmp`);
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, link);
  return true;
}

/** Removes entries of `dir` that are not in `keep` (dotfiles kept unless `includeDotfiles`). Returns what it removed. */
export function pruneDir(dir: string, keep: Set<string>, includeDotfiles = false): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (keep.has(name) || (!includeDotfiles && name.startsWith("."))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
