import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { checkStore, findByFingerprint, listImages, openStore, requireImage, storeDir } from "../../src/image/store.js";

function store() {
  const root = mkdtempSync(join(tmpdir(), "unibox-store-"));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  return openStore(root);
}

function seal(s: ReturnType<typeof openStore>, id: string, fingerprint: string, created: string) {
  mkdirSync(s.imageDir(id), { recursive: true });
  writeFileSync(join(s.imageDir(id), "image.json"), JSON.stringify({ id, fingerprint, created, treeDigest: "sha256:x", manifest: { repos: {} } }));
  writeFileSync(join(s.imageDir(id), "provenance.intoto.json"), "{}");
}

describe("the local image store", () => {
  it("lists sealed images newest first and ignores builds in progress and broken folders", () => {
    const s = store();
    seal(s, "img-aaaaaaaaaaaa", "a".repeat(64), "2026-11-01T00:00:00.000Z");
    seal(s, "img-bbbbbbbbbbbb", "b".repeat(64), "2026-11-02T00:00:00.000Z");
    seal(s, ".building-ub-1", "c".repeat(64), "2026-11-03T00:00:00.000Z");
    mkdirSync(s.imageDir("img-cccccccccccc"));
    writeFileSync(join(s.imageDir("img-cccccccccccc"), "image.json"), "{ half written");
    expect(listImages(s).map((i) => i.id)).toEqual(["img-bbbbbbbbbbbb", "img-aaaaaaaaaaaa"]);
    expect(findByFingerprint(s, "c".repeat(64))).toBeUndefined();
    expect(findByFingerprint(s, "a".repeat(64))?.id).toBe("img-aaaaaaaaaaaa");
  });

  it("names the images there are when asked for one that is not", () => {
    const s = store();
    seal(s, "img-aaaaaaaaaaaa", "a".repeat(64), "2026-11-01T00:00:00.000Z");
    const err = (() => {
      try {
        requireImage(s, "img-000000000000");
      } catch (e) {
        return e as { message: string; details: string[]; exitCode: number };
      }
    })()!;
    expect(err.message).toBe(`no image img-000000000000 in the store ${s.root}`);
    expect(err.details).toEqual(["Images there: img-aaaaaaaaaaaa"]);
    expect(err.exitCode).toBe(2);
  });

  it("refuses ids that are paths", () => {
    const s = store();
    expect(() => requireImage(s, "../../etc")).toThrow(/no image \.\.\/\.\.\/etc/);
  });

  it("defaults to .unibox in the stack root", () => {
    expect(storeDir("/srv/stack")).toBe("/srv/stack/.unibox");
    expect(storeDir("/srv/stack", "rel/store")).toBe(join(process.cwd(), "rel/store"));
  });

  it("does not take for an image what it did not seal: a renamed folder, another owner, no statement", () => {
    const s = store();
    seal(s, "img-aaaaaaaaaaaa", "a".repeat(64), "2026-11-01T00:00:00.000Z");
    // Renamed so that its id and fingerprint no longer name it.
    cpSync(s.imageDir("img-aaaaaaaaaaaa"), s.imageDir("img-bbbbbbbbbbbb"), { recursive: true });
    seal(s, "img-cccccccccccc", "c".repeat(64), "2026-11-01T00:00:00.000Z");
    chownSync(s.imageDir("img-cccccccccccc"), 65534, 65534);
    seal(s, "img-dddddddddddd", "d".repeat(64), "2026-11-01T00:00:00.000Z");
    rmSync(join(s.imageDir("img-dddddddddddd"), "provenance.intoto.json"));
    expect(listImages(s).map((i) => i.id)).toEqual(["img-aaaaaaaaaaaa"]);
    expect(findByFingerprint(s, "c".repeat(64))).toBeUndefined();
    expect(() => requireImage(s, "img-cccccccccccc")).toThrow(`img-cccccccccccc in the store ${s.root} is not a sealed image: ${s.imageDir("img-cccccccccccc")} is owned by uid 65534, not by this user`);
    expect(() => requireImage(s, "img-dddddddddddd")).toThrow("has no provenance statement");
  });

  it("refuses a store others can write or that sits in someone else's directory", () => {
    const s = store();
    mkdirSync(s.root, { recursive: true });
    chmodSync(s.root, 0o777);
    expect(() => checkStore(s)).toThrow(/the image store .* writable by others/);
    chmodSync(s.root, 0o755);
    expect(() => checkStore(s)).not.toThrow();
    const theirs = mkdtempSync(join(tmpdir(), "unibox-theirs-"));
    onTestFinished(() => rmSync(theirs, { recursive: true, force: true }));
    chownSync(theirs, 65534, 65534);
    const inside = openStore(join(theirs, "store"));
    expect(() => checkStore(inside)).toThrow(`the image store ${inside.root}: ${theirs} belongs to uid 65534, who could swap what root reads there`);
  });
});
