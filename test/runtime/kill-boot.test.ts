// A boot killed with SIGKILL at any moment leaves the box as it was or as it should be; the next boot converges.
import { spawn, spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findRunsvdir, supervisedDirs } from "../../src/runtime/runsvdir.js";
import { testBox } from "../helpers/box.js";

const bin = fileURLToPath(new URL("../../bin/unibox.js", import.meta.url));

/** Starts `unibox boot` as its own process and SIGKILLs it after `ms`. */
function bootAndKill(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, "boot", ...args], { stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe("a boot killed with SIGKILL", () => {
  it("is followed by a boot that converges: every instance healthy, exactly one runsvdir", { timeout: 90_000 }, async () => {
    const box = testBox({
      "roles/a.yaml": "command: sleep 100000\nreplicas: 3\n",
      "roles/b.yaml": "command: sleep 100000\nneeds: [a]\n",
      "envdirs/a/VERSION": "0\n",
    });
    // No status service in the killed boots: the default port would be shared with boxes of other test files.
    const args = ["--root", box.root, "--prefix", box.prefix, "--tags-file", box.tagsFile, "--status-port", "0"];
    // Node and the CLI load in ~150 ms here and a boot of this stack ends by ~300 ms: these moments land in every phase.
    const moments = [60, 100, 140, 160, 180, 200, 220, 240, 260, 280, 300, 340, 400, 560];
    for (const [n, ms] of moments.entries()) {
      // Every other round changes a layer, so killed boots are caught mid-write and mid-restart too.
      if (n % 2 === 1) writeFileSync(`${box.root}/envdirs/a/VERSION`, `${n}\n`);
      await bootAndKill(args, ms);
    }
    const r = await box.boot("--wait", "20");
    expect(r.code, r.stderr).toBe(0);
    expect(findRunsvdir(box.paths.serviceDir)).toHaveLength(1);
    const status = await box.status();
    expect(status.instances.map((i) => [i.name, i.healthy])).toEqual([
      ["a.main.0", true],
      ["a.main.1", true],
      ["a.main.2", true],
      ["b.main.0", true],
    ]);
    // Every instance runs with the last VERSION written: the killed boots left nothing stale behind.
    const { processEnv } = await import("../../src/runtime/processes.js");
    for (const i of status.instances.filter((x) => x.name.startsWith("a."))) expect(processEnv(i.pid!).VERSION).toBe(String(moments.length - 1));
    // One runsv per instance, none orphaned.
    expect(supervisedDirs(status.instances.map((i) => box.paths.sv(i.name))).size).toBe(4);
  });
});

describe("two boots at once", () => {
  it("let one change the box while the other waits, then fails naming the lock", { timeout: 60_000 }, async () => {
    const box = testBox({ "roles/a.yaml": "command: sleep 100000\nstop: { grace: 3s }\n" });
    const args = ["--root", box.root, "--prefix", box.prefix, "--tags-file", box.tagsFile, "--status-port", "0"];
    expect((await box.boot("--status-port", "0", "--wait", "10")).code).toBe(0);
    // A drain that takes 8 s (while the flag file is there) holds the first boot's restart, and its lock.
    writeFileSync(`${box.paths.state("a")}/slow`, "");
    writeFileSync(`${box.root}/roles/a.yaml`, `command: sleep 100001\nstop: { command: "test -f $UNIBOX_STATE_DIR/slow && sleep 8", grace: 10s }\n`);
    const first = spawn(process.execPath, [bin, "boot", ...args], { stdio: "ignore" });
    const firstDone = new Promise<number | null>((resolve) => first.on("exit", resolve));
    await new Promise((r) => setTimeout(r, 1500));
    const second = spawnSync(process.execPath, [bin, "boot", ...args], { encoding: "utf8" });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain("another unibox is changing");
    expect(await firstDone).toBe(0);
    rmSync(`${box.paths.state("a")}/slow`);
  });
});
