// Reads what users give unibox (the stack definition, a tags file), never opening what is not a regular
// file: a FIFO blocks until a writer comes, /dev/zero or /dev/urandom never end, and opening some devices acts on them.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, type Dirent, type Stats } from "node:fs";

/**
 * Why a file was not read: a sentence for messages, and for callers that word their own, the errno
 * (`code`) or what the path is instead of a regular file (`kind`, e.g. "a character device").
 */
export interface NotRead {
  problem: string;
  code?: string;
  kind?: string;
}

/**
 * Why `absPath` may not be read as part of the tree at `root`: a symlink (anywhere on its way) that leads out of
 * it. A stack definition comes from a branch anyone who can push may write; root reads it, prints its errors and
 * hands env values to services, so a link to /etc/shadow must not carry that file's bytes anywhere.
 */
export function leavesRoot(root: string, absPath: string): string | undefined {
  let real: string;
  let realRoot: string;
  try {
    // Not a regular file (a device, a FIFO), missing or dangling: the caller's read refuses it in its own words.
    if (!statSync(absPath).isFile()) return undefined;
    real = realpathSync(absPath);
    realRoot = realpathSync(root);
  } catch {
    return undefined;
  }
  if (real === realRoot || real.startsWith(`${realRoot}/`)) return undefined;
  return `leads out of the stack root through a symlink (to ${real}); unibox reads only the stack's own files: copy the file in`;
}

/** The bytes of the regular file at `absPath`, or why it was not read (`file` is its name in messages). */
export function readRegularFile(absPath: string, file: string): { content: Buffer } | NotRead {
  let stats: Stats;
  try {
    stats = statSync(absPath);
  } catch (err) {
    return notReadable(file, err);
  }
  if (!stats.isFile()) return { problem: notRegular(absPath, stats), kind: kindOf(stats) };
  let fd: number;
  try {
    // Non-blocking: were the file swapped for a FIFO after the stat, the open must not wait for a writer.
    fd = openSync(absPath, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    return notReadable(file, err);
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) return { problem: notRegular(absPath, opened), kind: kindOf(opened) };
    return { content: readFileSync(fd) };
  } catch (err) {
    return notReadable(file, err);
  } finally {
    closeSync(fd);
  }
}

/**
 * A file someone else must not have been able to swap, read without following a link: a regular file with one
 * link (a hard link to /etc/shadow is no symlink), owned by root or this user, writable by its owner alone.
 * Checked on the file opened, not on the path: what is checked is what is read.
 */
export function readOwnFile(absPath: string, file: string, maxBytes = Infinity): { content: Buffer } | NotRead {
  let fd: number;
  try {
    fd = openSync(absPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") return { problem: `${file} is a symlink: root reads only the file itself here`, code: "ELOOP" };
    return notReadable(file, err);
  }
  try {
    const st = fstatSync(fd);
    const me = process.getuid?.() ?? 0;
    if (!st.isFile()) return { problem: notRegular(absPath, st), kind: kindOf(st) };
    if (st.nlink !== 1) return { problem: `${file} has ${st.nlink} hard links: it could be another file's contents (/etc/shadow); give it one` };
    if ((st.uid !== me && st.uid !== 0) || (st.mode & 0o022) !== 0) return { problem: `${file} is owned by uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}: only root or you may own it, and only its owner write it` };
    // Judged by its size before a byte is read: a huge file is refused, not loaded.
    if (st.size > maxBytes) return { problem: `${file} is too large: ${st.size} bytes, where at most ${maxBytes} may be`, kind: "too large" };
    return { content: readFileSync(fd) };
  } catch (err) {
    return notReadable(file, err);
  } finally {
    closeSync(fd);
  }
}

function notReadable(file: string, err: unknown): NotRead {
  return { problem: cannotRead(file, err), code: (err as NodeJS.ErrnoException).code };
}

/** The entries of the directory at `absPath`, or a sentence saying why they could not be listed. */
export function listDirectory(absPath: string, dir: string): { entries: Dirent[] } | { problem: string } {
  try {
    return { entries: readdirSync(absPath, { withFileTypes: true }) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") return { problem: `expected a directory, found ${kindOf(statSync(absPath))}` };
    return { problem: cannotRead(dir, err) };
  }
}

function cannotRead(file: string, err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  if (code === "EACCES" || code === "EPERM") {
    return `cannot read ${file}: ${code} (permission denied); make it readable by the user who runs unibox, or run unibox as a user who may read it`;
  }
  return `cannot read ${file}: ${code ?? message}`;
}

function notRegular(absPath: string, stats: Stats): string {
  const kind = kindOf(stats);
  const link = lstatSync(absPath, { throwIfNoEntry: false })?.isSymbolicLink() ? `a symlink to ${readlinkSync(absPath)}, which is ` : "";
  if (stats.isDirectory()) return `expected a regular file, found ${link}${kind}`;
  return `expected a regular file, found ${link}${kind}; unibox does not open it, since reading it could block or never end: replace it with a regular file`;
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "a regular file";
}
