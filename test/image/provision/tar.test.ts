// The deterministic tar.gz the stack definition travels in: GNU tar reads it back exactly, and nothing in it
// depends on the clock or on who made it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { deterministicTarGz } from "../../../src/image/provision/tar.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const longDir = `${"d".repeat(90)}/${"e".repeat(60)}`;
const entries = [
  { path: "b.txt", mode: 0o644, contents: Buffer.from("bee\n") },
  { path: "a", mode: 0o700 },
  { path: "a/secret", mode: 0o600, contents: Buffer.from("") },
  { path: "a-b", mode: 0o755, contents: Buffer.from("#!/bin/sh\necho hi\n") },
  { path: `${longDir}/${"n".repeat(99)}`, mode: 0o644, contents: Buffer.alloc(1500, 7) },
];

describe("deterministicTarGz", () => {
  it("is read back by GNU tar with every name, mode and byte, sorted bytewise by path, mtime 0 and owner 0", () => {
    const dir = mkdtempSync(join(tmpdir(), "unibox-tar-"));
    dirs.push(dir);
    const archive = deterministicTarGz(entries);
    const listing = execFileSync("tar", ["-tvz", "--numeric-owner", "--full-time"], { input: archive, encoding: "utf8" }).trim().split("\n");
    expect(listing.map((l) => l.split(/\s+/).slice(-1)[0])).toEqual(["a/", "a-b", "a/secret", "b.txt", `${longDir}/${"n".repeat(99)}`]);
    expect(listing.every((l) => /^\S+ 0\/0 /.test(l) && l.includes("1970-01-01 00:00:00"))).toBe(true);
    execFileSync("tar", ["-xz", "-C", dir], { input: archive });
    expect(readFileSync(join(dir, "b.txt"), "utf8")).toBe("bee\n");
    expect(readFileSync(join(dir, "a-b"), "utf8")).toBe("#!/bin/sh\necho hi\n");
    expect(readFileSync(join(dir, longDir, "n".repeat(99)))).toEqual(Buffer.alloc(1500, 7));
    expect(statSync(join(dir, "a")).mode & 0o7777).toBe(0o700);
    expect(statSync(join(dir, "a/secret")).mode & 0o7777).toBe(0o600);
    expect(statSync(join(dir, "a-b")).mode & 0o7777).toBe(0o755);
  });

  it("gives the same bytes whatever the order of its input, with no time or name in the gzip header", () => {
    const one = deterministicTarGz(entries);
    expect(deterministicTarGz([...entries].reverse())).toEqual(one);
    // gzip header: magic, method, flags (no FNAME), then MTIME, 4 bytes: all zero.
    expect([...one.subarray(0, 8)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
    expect(gunzipSync(one).length % 512).toBe(0);
  });

  it("refuses a path no ustar header can hold, naming it", () => {
    const path = `${"x".repeat(160)}/${"y".repeat(20)}`;
    expect(() => deterministicTarGz([{ path, mode: 0o644, contents: Buffer.from("") }])).toThrow(`cannot archive "${path}": the path is 181 bytes`);
  });
});
