// The image tree's digest: exact lines and bytes (the provisioning script's bash must agree), bytewise order,
// refusal of what an image cannot hold, and the diff `image verify` prints.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { callInChild } from "../helpers/run-in-child.js";
import { RuntimeFailure } from "../../src/errors.js";
import {
  diffTrees,
  digestOfLines,
  kernelFilesystemAt,
  parseTreeLines,
  treeDigest,
  treeEntries,
  treeLines,
  type TreeEntry,
} from "../../src/image/tree-digest.js";

type Node = { file: string; mode: number } | { dir: true; mode: number } | { symlink: string };

function makeTree(nodes: Record<string, Node>): string {
  const root = mkdtempSync(join(tmpdir(), "unibox-tree-"));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  for (const [rel, node] of Object.entries(nodes)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    if ("file" in node) writeFileSync(path, node.file);
    else if ("dir" in node) mkdirSync(path, { recursive: true });
    else symlinkSync(node.symlink, path);
  }
  // Modes after every child exists (a 0555 directory would refuse its children); deepest first.
  for (const [rel, node] of Object.entries(nodes).reverse()) if (!("symlink" in node)) chmodSync(join(root, rel), node.mode);
  return root;
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

const SMALL: Record<string, Node> = {
  "README.md": { file: "hello\n", mode: 0o644 },
  bin: { dir: true, mode: 0o755 },
  "bin/run": { file: "#!/bin/sh\necho run\n", mode: 0o750 },
  "bin/current": { symlink: "../README.md" },
  "empty dir": { dir: true, mode: 0o700 },
  "with space.txt": { file: "", mode: 0o600 },
};

describe("treeDigest", () => {
  it("hashes one `kind mode content path` line per entry, sorted, into sha256:<hex>", () => {
    const root = makeTree(SMALL);
    const expectedLines =
      `f 0644 ${sha("hello\n")} README.md\n` +
      `d 0755 - bin\n` +
      `l 0777 ${sha("../README.md")} bin/current\n` +
      `f 0750 ${sha("#!/bin/sh\necho run\n")} bin/run\n` +
      `d 0700 - empty dir\n` +
      `f 0600 ${sha("")} with space.txt\n`;
    expect(treeLines(treeEntries(root))).toBe(expectedLines);
    expect(treeDigest(root)).toBe(`sha256:${sha(expectedLines)}`);
  });

  it("gives the digest that a find | sort | sha256sum pipeline gives (what the provisioning script computes in bash)", () => {
    const root = makeTree({ ...SMALL, "a-b": { file: "x", mode: 0o644 }, "a/b": { file: "y", mode: 0o444 }, a: { dir: true, mode: 0o755 }, "é": { file: "z", mode: 0o640 } });
    const script = `cd "$1" && find . -mindepth 1 -printf '%P\\0' | LC_ALL=C sort -z | while IFS= read -r -d '' p; do
      if [ -L "$p" ]; then k=l; c=$(readlink -- "$p" | tr -d '\\n' | sha256sum | cut -d' ' -f1)
      elif [ -d "$p" ]; then k=d; c=-
      else k=f; c=$(sha256sum < "$p" | cut -d' ' -f1); fi
      printf '%s %04o %s %s\\n' "$k" "0$(stat -c %a -- "$p")" "$c" "$p"
    done | sha256sum | cut -d' ' -f1`;
    const bash = execFileSync("bash", ["-c", script, "digest", root], { encoding: "utf8" }).trim();
    expect(treeDigest(root)).toBe(`sha256:${bash}`);
  });

  it("orders paths by their UTF-8 bytes, not by JS string order or directory by directory", () => {
    const root = makeTree({
      "a.b": { file: "1", mode: 0o644 },
      "é": { file: "2", mode: 0o644 },
      a: { dir: true, mode: 0o755 },
      "a/b": { file: "3", mode: 0o644 },
      B: { file: "4", mode: 0o644 },
      "a-b": { file: "5", mode: 0o644 },
      "\u{1F600}": { file: "6", mode: 0o644 },
      "\uFF41": { file: "7", mode: 0o644 },
    });
    // U+FF41 sorts before U+1F600 in UTF-8 bytes (ef < f0) but after it in UTF-16 code units (ff41 > d83d).
    expect(treeEntries(root).map((e) => e.path)).toEqual(["B", "a", "a-b", "a.b", "a/b", "é", "\uFF41", "\u{1F600}"]);
  });

  it("records a symlink to /dev/zero as a link, by its target, without following it", () => {
    const root = makeTree({ zero: { symlink: "/dev/zero" } });
    expect(treeEntries(root)).toEqual([{ kind: "l", mode: lstatSync(join(root, "zero")).mode & 0o7777, content: sha("/dev/zero"), path: "zero" }]);
  });

  it("changes when a file's mode changes, and when its content does", () => {
    const root = makeTree({ "app.js": { file: "1", mode: 0o644 } });
    const first = treeDigest(root);
    chmodSync(join(root, "app.js"), 0o755);
    const second = treeDigest(root);
    writeFileSync(join(root, "app.js"), "2");
    expect(new Set([first, second, treeDigest(root)]).size).toBe(3);
  });

  it("hashes a file larger than its read buffer in full", () => {
    const big = "0123456789abcdef".repeat(200_000); // 3.2 MB: several 1 MiB reads
    const root = makeTree({ big: { file: big, mode: 0o644 } });
    expect(treeEntries(root)[0].content).toBe(sha(big));
  });

  it("refuses a FIFO, naming it, without opening it", () => {
    const root = makeTree({ "apps/api/server.js": { file: "ok", mode: 0o644 } });
    execFileSync("mkfifo", [join(root, "apps/api/pipe")]);
    // In a child with a time limit: a regression that opens the FIFO would block forever, not fail.
    const r = callInChild("/src/image/tree-digest.ts", "treeDigest", [root]);
    expect(r).toEqual({
      error: {
        name: "RuntimeFailure",
        message:
          "cannot digest the tree: apps/api/pipe is a FIFO (named pipe); an image holds only files, directories and symlinks: remove it before the image is sealed",
      },
    });
  });

  it("refuses a path with a newline, which the line format cannot hold", () => {
    const root = makeTree({ "two\nlines": { file: "x", mode: 0o644 } });
    expect(() => treeEntries(root)).toThrow(RuntimeFailure);
    expect(() => treeEntries(root)).toThrow('"two\\nlines" has a newline in its name');
  });

  it("refuses a name that is not UTF-8, which the entry list could not name", () => {
    const root = makeTree({});
    writeFileSync(Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff]), Buffer.from(".txt")]), "x");
    expect(() => treeEntries(root)).toThrow(/has a name that is not UTF-8; rename it/);
  });

  it("refuses a root that is not a directory", () => {
    const root = makeTree({ file: { file: "x", mode: 0o644 } });
    expect(() => treeDigest(join(root, "file"))).toThrow(`cannot digest ${join(root, "file")}: expected a directory, found a regular file`);
  });

  it("knows /proc for the kernel filesystem it is, and an ordinary directory for none", () => {
    const rootDev = lstatSync("/").dev;
    expect(kernelFilesystemAt("/proc", lstatSync("/proc"), rootDev)).toBe("proc");
    const dir = makeTree({ d: { dir: true, mode: 0o755 } });
    expect(kernelFilesystemAt(join(dir, "d"), lstatSync(join(dir, "d")), lstatSync(dir).dev)).toBeUndefined();
  });
});

describe("the entry list kept beside the statement", () => {
  it("reads back exactly what treeLines wrote, and its digest is the tree's", () => {
    const root = makeTree(SMALL);
    const lines = treeLines(treeEntries(root));
    expect(parseTreeLines(lines)).toEqual(treeEntries(root));
    expect(digestOfLines(lines)).toBe(treeDigest(root));
  });

  it.each([
    ["a line without a path", "f 0644 " + "a".repeat(64) + "\n", 'line 1 is "f 0644 ' + "a".repeat(64) + '"'],
    ["a directory with a content hash", `d 0755 ${"a".repeat(64)} dir\n`, "line 1"],
    ["a file without one", "f 0644 - file\n", "line 1"],
    ["a three-digit mode", `f 644 ${"a".repeat(64)} file\n`, "line 1"],
    ["a list cut short", `d 0755 - dir\nf 0644 ${"a".repeat(64)} fi`, "expected it to end with a newline"],
  ])("refuses %s", (_name, text, message) => {
    expect(() => parseTreeLines(text)).toThrow(RuntimeFailure);
    expect(() => parseTreeLines(text)).toThrow(message);
  });
});

describe("diffTrees", () => {
  const f = (path: string, content: string, mode = 0o644): TreeEntry => ({ kind: "f", mode, content: sha(content), path });

  it("names what was added, removed and changed, and how", () => {
    const expected: TreeEntry[] = [
      f("apps/api/a.js", "a"),
      f("apps/api/b.js", "b"),
      f("apps/api/c.js", "c"),
      f("apps/api/d.js", "d"),
      { kind: "d", mode: 0o755, content: "-", path: "apps/api/lib" },
      f("apps/api/same.js", "s"),
    ];
    const actual: TreeEntry[] = [
      f("apps/api/a.js", "a2"),
      f("apps/api/b.js", "b", 0o755),
      f("apps/api/c.js", "c2", 0o600),
      { kind: "l", mode: 0o777, content: sha("x"), path: "apps/api/lib" },
      f("apps/api/new.js", "n"),
      f("apps/api/same.js", "s"),
    ];
    expect(diffTrees(expected, actual)).toEqual({
      added: ["apps/api/new.js"],
      removed: ["apps/api/d.js"],
      changed: [
        { path: "apps/api/a.js", what: "content" },
        { path: "apps/api/b.js", what: "mode 0644 -> 0755" },
        { path: "apps/api/c.js", what: "content, mode 0644 -> 0600" },
        { path: "apps/api/lib", what: "kind directory -> symlink, mode 0755 -> 0777" },
      ],
    });
  });

  it("finds nothing between a tree and itself", () => {
    const root = makeTree(SMALL);
    expect(diffTrees(treeEntries(root), treeEntries(root))).toEqual({ added: [], removed: [], changed: [] });
  });
});
