import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distRuntime, hostRuntime, versionMatches } from "../../src/image/runtimes.js";

// A loopback copy of nodejs.org/dist's layout: index.json and one SHASUMS256.txt per version.
let server: Server;
let dist: string;
const SUMS: Record<string, string> = {
  "20.19.0": `${"1".repeat(64)}  node-v20.19.0-linux-x64.tar.xz\n`,
  "20.20.2": `${"2".repeat(64)}  node-v20.20.2-linux-arm64.tar.xz\n${"3".repeat(64)}  node-v20.20.2-linux-x64.tar.xz\n`,
};
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/dist/index.json") return res.end(JSON.stringify([{ version: "v22.1.0" }, { version: "v20.20.2" }, { version: "v20.9.0" }, { version: "v20.19.0" }]));
    const m = /^\/dist\/v([\d.]+)\/SHASUMS256\.txt$/.exec(req.url ?? "");
    if (m && SUMS[m[1]]) return res.end(SUMS[m[1]]);
    res.statusCode = 404;
    res.end("not found");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  dist = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dist`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("runtime versions", () => {
  it.each([
    ["20", "20.20.2", true],
    ["20", "2.0.1", false],
    ["20.20", "20.20.2", true],
    ["20.2", "20.20.2", false],
    ["v20.20.2", "20.20.2", true],
    ["20.20.2", "20.20.20", false],
  ])("%s matches %s: %s", (requested, version, matches) => {
    expect(versionMatches(requested, version)).toBe(matches);
  });

  it("takes the newest matching version from the distribution's index and its published sha256", async () => {
    expect(await distRuntime("node", "20", dist, "x64")).toEqual({
      name: "node",
      requested: "20",
      version: "20.20.2",
      archive: { url: `${dist}/v20.20.2/node-v20.20.2-linux-x64.tar.xz`, sha256: "3".repeat(64) },
    });
    expect((await distRuntime("node", "20.19", dist, "x64")).archive?.sha256).toBe("1".repeat(64));
  });

  it("fails with the mirror hint when the distribution cannot be reached", async () => {
    const err = (await distRuntime("node", "20", "http://127.0.0.1:1/dist", "x64").catch((e: unknown) => e)) as { message: string; details: string[]; exitCode: number };
    expect(err.message).toMatch(/^cannot fetch http:\/\/127\.0\.0\.1:1\/dist\/index\.json: /);
    expect(err.details[0]).toMatch(/mirrors\.node/);
    expect(err.exitCode).toBe(2);
  });

  it("fails naming the file when the version's SHASUMS256.txt does not list the archive", async () => {
    await expect(distRuntime("node", "20.19", dist, "arm64")).rejects.toThrow(`${dist}/v20.19.0/SHASUMS256.txt lists no sha256 for node-v20.19.0-linux-arm64.tar.xz`);
  });

  it("fails when no version matches, listing the newest there are", async () => {
    await expect(distRuntime("node", "18", dist, "x64")).rejects.toThrow(`runtime node: no version matching 18 in ${dist}/index.json`);
  });

  it("takes the host's node for the local target only when its version matches", async () => {
    const major = process.versions.node.split(".")[0];
    const host = await hostRuntime("node", major);
    expect(host.version).toBe(process.versions.node);
    expect(host.host?.sha256).toMatch(/^[0-9a-f]{64}$/);
    await expect(hostRuntime("node", "1")).rejects.toThrow(`runtime node: image.yaml asks for 1, this host has ${process.versions.node}`);
    await expect(hostRuntime("python", "3")).rejects.toThrow(/knows only node's/);
  });
});
