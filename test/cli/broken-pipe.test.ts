// A reader that goes away is not an error of unibox's: `unibox --help | head -1` ends quietly, exit 0.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../bin/unibox.js", import.meta.url));

describe("stdout closed early", () => {
  it("ends the output quietly with exit 0, no EPIPE trace", async () => {
    const child = spawn(process.execPath, [bin, "--help"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    // Like a `head` that has already exited: the pipe's reading end is closed before unibox writes.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(code).toBe(0);
  });
});
