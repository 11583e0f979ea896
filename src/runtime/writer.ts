// The one place that puts generated files on disk: only what differs, each write atomic (beside, then rename),
// every mode and owner set explicitly (never left to the umask), every failure naming its path.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, readlinkSync, writeFileSync, type Stats } from "node:fs";
import { basename, dirname, join } from "node:path";
import { RuntimeFailure } from "../errors.js";
import type { DirSpec, FileSpec } from "./files.js";
import { isRoot } from "./users.js";

const WHY: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "a part of the path is not a directory",
};

/** Runs one filesystem step; a failure becomes a RuntimeFailure that names the path and the reason. */
export function onDisk<T>(what: string, path: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    throw new RuntimeFailure(`cannot ${what} ${path}: ${WHY[code] ?? (err as Error).message}${code ? ` (${code})` : ""}`, { cause: err });
  }
}

/** Who a file should belong to: the spec's owner, else whoever runs unibox (root on a box). */
function wantedOwner(owner: FileSpec["owner"]): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined; // only root can give files away; a development boot owns what it writes
  return owner ?? { uid: 0, gid: 0 };
}

function ownedAsWanted(st: Stats, owner: FileSpec["owner"]): boolean {
  const want = wantedOwner(owner);
  return !want || (st.uid === want.uid && st.gid === want.gid);
}

/** Creates the directory (and parents, 0755) if missing; fixes its mode and owner. Returns whether anything changed. */
export function ensureDir(spec: DirSpec): boolean {
  return onDisk("create directory", spec.path, () => {
    let changed = false;
    const st = lstatSync(spec.path, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) {
      // A symlink or a file where a directory belongs: never follow it, replace it.
      rmSync(spec.path, { force: true });
    }
    if (!st || !st.isDirectory()) {
      mkdirParents(dirname(spec.path));
      mkdirSync(spec.path, { mode: spec.mode });
      changed = true;
    }
    const now = statSync(spec.path);
    if ((now.mode & 0o7777) !== spec.mode) {
      chmodSync(spec.path, spec.mode);
      changed = true;
    }
    const want = wantedOwner(spec.owner);
    if (want && (now.uid !== want.uid || now.gid !== want.gid)) {
      chownSync(spec.path, want.uid, want.gid);
      changed = true;
    }
    return changed;
  });
}

/** Like `mkdir -p`, each directory it creates 0755 whatever the umask: service users pass through to their own. */
export function mkdirParents(path: string): void {
  if (existsSync(path)) return;
  mkdirParents(dirname(path));
  onDisk("create directory", path, () => {
    mkdirSync(path, { mode: 0o755 });
    chmodSync(path, 0o755);
  });
}

/**
 * Writes the file if its contents, mode or owner differ. The temporary name is a dotfile in the same
 * directory: chpst skips dotfiles, so an env dir never shows a half-written variable.
 */
export function writeFileAtomic(spec: FileSpec): boolean {
  const want = typeof spec.contents === "string" ? Buffer.from(spec.contents) : spec.contents;
  const st = lstatSync(spec.path, { throwIfNoEntry: false });
  if (st?.isFile() && (st.mode & 0o7777) === spec.mode && ownedAsWanted(st, spec.owner)) {
    if (st.size === want.length && readFileSync(spec.path).equals(want)) return false;
  }
  const tmp = join(dirname(spec.path), `.${basename(spec.path)}.unibox-tmp`);
  onDisk("write", spec.path, () => {
    try {
      // A temporary file a killed boot left is overwritten: the directory is root's, no one else put it there.
      writeFileSync(tmp, want, { mode: spec.mode });
      chmodSync(tmp, spec.mode); // the umask may have narrowed it
      const owner = wantedOwner(spec.owner);
      if (owner) chownSync(tmp, owner.uid, owner.gid);
      renameSync(tmp, spec.path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  });
  return true;
}

/** Points `link` at `target` atomically (a new link beside, renamed over the old). */
export function symlinkAtomic(target: string, link: string): boolean {
  const st = lstatSync(link, { throwIfNoEntry: false });
  if (st?.isSymbolicLink() && readlinkSync(link) === target) return false;
  const tmp = join(dirname(link), `.${basename(link)}.unibox-tmp`);
  onDisk("link", link, () => {
    rmSync(tmp, { force: true });
    symlinkSync(target, tmp);
    renameSync(tmp, link);
  });
  return true;
}

/** Removes entries of `dir` that are not in `keep` (dotfiles kept unless `includeDotfiles`). Returns what it removed. */
export function pruneDir(dir: string, keep: Set<string>, includeDotfiles = false): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (keep.has(name) || (!includeDotfiles && name.startsWith("."))) continue;
    onDisk("remove", join(dir, name), () => rmSync(join(dir, name), { recursive: true, force: true }));
    removed.push(name);
  }
  return removed;
}
