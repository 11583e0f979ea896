// The digest of an image tree: what the provenance statement's subject names and `unibox image verify` recomputes.
//
// The provisioning script computes the same digest in bash, so the rules are fixed and must not drift:
//   - entries: every file, directory and symlink below the root (not the root itself), symlinks not followed;
//   - each entry is one line, `<kind> <mode> <content> <path>\n`, where
//       kind    = `f` (regular file), `d` (directory) or `l` (symlink);
//       mode    = st_mode & 07777 as 4-digit octal (`0644`; a symlink's own mode, `0777` on Linux);
//       content = sha256 hex of the file's bytes (f), of the link target string as stored (l), or `-` (d);
//       path    = the path relative to the root, without `./` (`apps/api/package.json`);
//   - lines sorted bytewise by the path's UTF-8 bytes (Buffer.compare; `LC_ALL=C sort` in bash), so
//     "B" < "a" < "a-b" < "a.b" < "a/b" < "é": not JS string order, not per-directory order;
//   - digest = `sha256:` + sha256 hex of the sorted lines concatenated.
// Anything else (FIFO, socket, device), a path with a newline, or a name that is not UTF-8 is refused: the line
// format could not hold it, or the entry list kept beside the statement (JSON, text) could not name it.
// The lines themselves are the entry list to keep beside the statement: their sha256 is the digest.
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, statSync, statfsSync, type Stats } from "node:fs";
import { isUtf8 } from "node:buffer";
import { RuntimeFailure } from "../errors.js";

/** One entry of a tree: a line of the digest's input. */
export interface TreeEntry {
  kind: "f" | "d" | "l";
  /** st_mode & 07777. */
  mode: number;
  /** sha256 hex of the bytes (f) or of the link target (l); `-` for a directory. */
  content: string;
  /** Relative to the tree's root, `/`-separated, no `./`. */
  path: string;
}

const CHUNK = 1 << 20;
// Open without following a link and without waiting on a FIFO that took a file's place since the lstat.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Walks `dir` (not following symlinks) and returns entries sorted bytewise by path (Buffer.compare, not JS string order).
 * `skip(rel)`: directories whose entry is listed but whose contents are not (a caller that already has their lines).
 */
export function treeEntries(dir: string, options: { skip?: (rel: string) => boolean } = {}): TreeEntry[] {
  const found: { rel: Buffer; abs: Buffer; stats: Stats }[] = [];
  // The root itself may be reached through a symlink (a store on a linked disk); nothing below it is followed.
  let rootStats: Stats;
  try {
    rootStats = statSync(dir);
  } catch (err) {
    throw new RuntimeFailure(`cannot digest ${dir}: it cannot be read (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  }
  if (!rootStats.isDirectory()) {
    throw new RuntimeFailure(`cannot digest ${dir}: expected a directory, found ${describeType(rootStats)}`);
  }
  walk(Buffer.from(dir), Buffer.alloc(0), rootStats.dev, found, options.skip);
  found.sort((a, b) => Buffer.compare(a.rel, b.rel));
  const buffer = Buffer.allocUnsafe(CHUNK);
  return found.map(({ rel, abs, stats }) => {
    const path = rel.toString("utf8");
    const mode = stats.mode & 0o7777;
    if (stats.isDirectory()) return { kind: "d", mode, content: "-", path };
    if (stats.isSymbolicLink()) {
      const target = readlinkSync(abs, { encoding: "buffer" });
      return { kind: "l", mode, content: createHash("sha256").update(target).digest("hex"), path };
    }
    return { kind: "f", mode, content: hashFile(abs, path, dir, buffer), path };
  });
}

/** "sha256:<hex>" of the tree, per the rules above. */
export function treeDigest(dir: string): string {
  return digestOfLines(treeLines(treeEntries(dir)));
}

/** The digest's input: one `<kind> <mode> <content> <path>\n` line per entry, in the order given (sorted by treeEntries). */
export function treeLines(entries: TreeEntry[]): string {
  return entries.map((e) => `${e.kind} ${e.mode.toString(8).padStart(4, "0")} ${e.content} ${e.path}\n`).join("");
}

/** "sha256:<hex>" of the lines (what treeDigest returns for the tree they were made from). */
export function digestOfLines(lines: string): string {
  return `sha256:${createHash("sha256").update(lines, "utf8").digest("hex")}`;
}

/** Reads lines written by treeLines back into entries (the list kept beside the statement); throws on a malformed line. */
export function parseTreeLines(text: string): TreeEntry[] {
  if (text === "") return [];
  if (!text.endsWith("\n")) throw new RuntimeFailure("malformed tree entry list: expected it to end with a newline; the file was cut short");
  return text
    .slice(0, -1)
    .split("\n")
    .map((line, i) => {
      const m = /^([fdl]) ([0-7]{4}) ([0-9a-f]{64}|-) (.+)$/.exec(line);
      if (!m || (m[1] === "d") !== (m[3] === "-")) {
        throw new RuntimeFailure(
          `malformed tree entry list: line ${i + 1} is ${JSON.stringify(line)}, expected "<f|d|l> <4-digit octal mode> <sha256 hex, or - for a directory> <path>"`,
        );
      }
      return { kind: m[1] as TreeEntry["kind"], mode: parseInt(m[2], 8), content: m[3], path: m[4] };
    });
}

/** What differs between two entry lists: added, removed, changed (with what changed: content, mode, kind). */
export function diffTrees(
  expected: TreeEntry[],
  actual: TreeEntry[],
): { added: string[]; removed: string[]; changed: { path: string; what: string }[] } {
  const before = new Map(expected.map((e) => [e.path, e]));
  const after = new Map(actual.map((e) => [e.path, e]));
  const added = actual.filter((e) => !before.has(e.path)).map((e) => e.path);
  const removed = expected.filter((e) => !after.has(e.path)).map((e) => e.path);
  const changed: { path: string; what: string }[] = [];
  for (const a of actual) {
    const e = before.get(a.path);
    if (!e) continue;
    const what: string[] = [];
    if (e.kind !== a.kind) what.push(`kind ${KIND_NAMES[e.kind]} -> ${KIND_NAMES[a.kind]}`);
    else if (e.content !== a.content) what.push("content");
    if (e.mode !== a.mode) what.push(`mode ${octal(e.mode)} -> ${octal(a.mode)}`);
    if (what.length > 0) changed.push({ path: a.path, what: what.join(", ") });
  }
  return { added, removed, changed };
}

const KIND_NAMES = { f: "file", d: "directory", l: "symlink" } as const;
const SLASH = Buffer.from("/");

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

// Depth first; the caller sorts the whole list, since per-directory order is not bytewise path order ("a/b" > "a-b").
function walk(absDir: Buffer, relDir: Buffer, dev: number, out: { rel: Buffer; abs: Buffer; stats: Stats }[], skip?: (rel: string) => boolean): void {
  let names: Buffer[];
  try {
    names = readdirSync(absDir, { encoding: "buffer" });
  } catch (err) {
    throw new RuntimeFailure(`cannot digest the tree: ${absDir.toString()} cannot be listed (${(err as NodeJS.ErrnoException).code})`, {
      cause: err,
    });
  }
  for (const name of names) {
    const rel = relDir.length === 0 ? name : Buffer.concat([relDir, SLASH, name]);
    const abs = Buffer.concat([absDir, SLASH, name]);
    if (name.includes(0x0a)) {
      throw new RuntimeFailure(`cannot digest the tree: ${JSON.stringify(rel.toString())} has a newline in its name, which the digest's line format cannot hold; rename it`);
    }
    if (!isUtf8(name)) {
      throw new RuntimeFailure(`cannot digest the tree: ${JSON.stringify(rel.toString())} has a name that is not UTF-8; rename it`);
    }
    const stats = lstatOrFail(abs, rel.toString());
    if (!stats.isFile() && !stats.isDirectory() && !stats.isSymbolicLink()) {
      throw new RuntimeFailure(
        `cannot digest the tree: ${rel.toString()} is ${describeType(stats)}; an image holds only files, directories and symlinks: remove it before the image is sealed`,
      );
    }
    out.push({ rel, abs, stats });
    if (!stats.isDirectory() || skip?.(rel.toString("utf8"))) continue;
    const kernel = kernelFilesystemAt(abs, stats, dev);
    if (kernel) {
      throw new RuntimeFailure(
        `cannot digest the tree: ${rel.toString()} is a mounted ${kernel} filesystem, which is not part of an image; unmount it (umount ${abs.toString()}) first`,
      );
    }
    walk(abs, rel, stats.dev, out, skip);
  }
}

// Kernel filesystems hold nothing at rest and are never part of an image: a chroot's /proc, /sys, /dev/pts.
const KERNEL_FILESYSTEMS: Record<number, string> = {
  0x9fa0: "proc",
  0x62656572: "sysfs",
  0x1cd1: "devpts",
  0x27e0eb: "cgroup",
  0x63677270: "cgroup2",
  0x73636673: "securityfs",
  0x64626720: "debugfs",
  0x74726163: "tracefs",
  0xcafe4a11: "bpf",
  0x6165676c: "pstore",
  0x19800202: "mqueue",
  0x958458f6: "hugetlbfs",
  0x62656570: "configfs",
  0x65735543: "fusectl",
  0x42494e4d: "binfmt_misc",
  0xde5e81e4: "efivarfs",
};

/** The kernel filesystem (proc, sysfs…) mounted on `abs`, a directory whose device differs from its parent's; else undefined. */
export function kernelFilesystemAt(abs: Buffer | string, stats: Stats, parentDev: number): string | undefined {
  if (stats.dev === parentDev) return undefined;
  try {
    return KERNEL_FILESYSTEMS[statfsSync(abs).type];
  } catch {
    return undefined;
  }
}

function lstatOrFail(abs: Buffer, shown: string): Stats {
  try {
    return lstatSync(abs);
  } catch (err) {
    throw new RuntimeFailure(`cannot digest the tree: ${shown} cannot be read (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  }
}

// Streams the file through the hash in 1 MiB chunks: node_modules-sized trees must not be held in memory.
function hashFile(abs: Buffer, rel: string, dir: string, buffer: Buffer): string {
  let fd: number;
  try {
    fd = openSync(abs, OPEN_FLAGS);
  } catch (err) {
    throw new RuntimeFailure(`cannot digest ${dir}: ${rel} cannot be opened (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  }
  try {
    if (!fstatSync(fd).isFile()) throw new RuntimeFailure(`cannot digest ${dir}: ${rel} stopped being a regular file while it was read`);
    const hash = createHash("sha256");
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
    return hash.digest("hex");
  } finally {
    closeSync(fd);
  }
}

function describeType(stats: Stats): string {
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSymbolicLink()) return "a symlink";
  if (stats.isFile()) return "a regular file";
  return "an unknown file type";
}
