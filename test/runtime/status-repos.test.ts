// The box's /health says which commit each repo runs only where that is known and safe to read: a review box
// booted from an image (tested in test/review/apply-refs.test.ts). Beside a development stack, a file named
// manifest.json is anyone's: a FIFO there must not hang the endpoint, nor its content be served.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, runJson } from "../helpers/cli.js";

const base = mkdtempSync(join(tmpdir(), "unibox-status-repos-"));
const root = join(base, "stack");
const prefix = join(base, "prefix");

afterAll(async () => {
  await runCli(["down", "--reset", "--prefix", prefix]);
  rmSync(base, { recursive: true, force: true });
});

describe("the commits /health reports", () => {
  it("are not read from a FIFO planted beside a development stack: /health answers at once, without them", async () => {
    chmodSync(base, 0o755);
    mkdirSync(join(root, "roles"), { recursive: true });
    mkdirSync(join(root, "image"), { recursive: true });
    writeFileSync(join(root, "image/image.yaml"), "base: host\nrepos: []\n");
    writeFileSync(join(root, "roles/app.yaml"), "command: sleep 100000\n");
    execFileSync("mkfifo", [join(base, "manifest.json")]);
    await runJson(["boot", "--root", root, "--prefix", prefix, "--tag", "unibox:mode=review", "--tag", "unibox:box=b", "--status-port", "39317", "--wait", "30"]);
    const response = await fetch("http://127.0.0.1:39317/health", { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.healthy).toBe(true);
    expect(body.repos).toBeUndefined();
  }, 60_000);
});
