import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { findByFingerprint, listImages, openStore, requireImage, storeDir } from "../../src/image/store.js";

function store() {
  const root = mkdtempSync(join(tmpdir(), "unibox-store-"));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  return openStore(root);
}

function seal(s: ReturnType<typeof openStore>, id: string, fingerprint: string, created: string) {
  mkdirSync(s.imageDir(id), { recursive: true });
  writeFileSync(join(s.imageDir(id), "image.json"), JSON.stringify({ id, fingerprint, created, treeDigest: "sha256:x", manifest: { repos: {} } }));
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
});
