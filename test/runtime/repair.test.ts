// Boxes broken by hand or by kill -9: boot repairs them, down always stops them, waits notice them.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { isAlive, listProcesses } from "../../src/runtime/processes.js";
import { findRunsvdir, supervisedDirs } from "../../src/runtime/runsvdir.js";
import { runCli, runJson } from "../helpers/cli.js";
import { teardown, testBox, waitForStatus } from "../helpers/box.js";

const bin = fileURLToPath(new URL("../../bin/unibox.js", import.meta.url));
const SLEEP = "command: sleep 100000\n";

describe("boot repairs", () => {
  it("a service directory deleted by hand: the old process is stopped and the instance supervised again", { timeout: 30_000 }, async () => {
    const box = testBox({ "roles/a.yaml": SLEEP, "roles/b.yaml": SLEEP });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const old = box.pid("a.main.0");
    rmSync(box.paths.sv("a.main.0"), { recursive: true });
    const report = await box.bootJson("--wait", "15");
    expect(report).toMatchObject({ added: ["a.main.0"], unchanged: ["b.main.0"] });
    // runsvdir's own rescan (every 5 s) may have sent the orphaned runsv TERM before this boot came: then there
    // was nothing left to replace. Either way the old process is gone.
    expect([[], ["a.main.0"]]).toContainEqual(report.replaced);
    expect(isAlive(old)).toBe(false);
    const status = await waitForStatus(box, (s) => s.instances.every((i) => i.healthy));
    expect(status.instances.find((i) => i.name === "a.main.0")!.pid).not.toBe(old);
    expect(supervisedDirs([box.paths.sv("a.main.0")]).size).toBe(1);
  });

  it("the runsv processes a runsvdir killed with -9 left: one runsvdir after, every instance healthy, and down --reset stops all", { timeout: 60_000 }, async () => {
    const box = testBox({ "roles/a.yaml": `${SLEEP}replicas: 2\n` });
    const first = await box.bootJson("--wait", "10");
    const old = box.pid("a.main.0");
    process.kill(first.runsvdir.pid, "SIGKILL");
    await expect.poll(() => isAlive(first.runsvdir.pid)).toBe(false);
    // The instances still run, under runsv processes no runsvdir watches.
    expect(supervisedDirs([box.paths.sv("a.main.0"), box.paths.sv("a.main.1")]).size).toBe(2);

    const second = await box.bootJson("--wait", "15");
    expect(second.runsvdir.started).toBe(true);
    expect(second.replaced).toEqual(["a.main.0", "a.main.1"]);
    expect(findRunsvdir(box.paths.serviceDir)).toEqual([second.runsvdir.pid]);
    expect(isAlive(old)).toBe(false);
    await waitForStatus(box, (s) => s.instances.every((i) => i.healthy));

    // And again with no boot in between: down --reset stops the orphans itself, quickly.
    process.kill(second.runsvdir.pid, "SIGKILL");
    await expect.poll(() => isAlive(second.runsvdir.pid)).toBe(false);
    const started = Date.now();
    const down = await box.down("--reset");
    expect(down.code, down.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(supervisedDirs([box.paths.sv("a.main.0"), box.paths.sv("a.main.1")]).size).toBe(0);
    expect(existsSync(box.paths.etc)).toBe(false);
  });

  it("the same state directory on every boot under a prefix whose parent is a symlink", { timeout: 30_000 }, async () => {
    const real = mkdtempSync(join(tmpdir(), "unibox-real-"));
    chmodSync(real, 0o755);
    const link = `${real}-link`;
    symlinkSync(real, link);
    onTestFinished(() => rmSync(link, { force: true }));
    const box = testBox({ "roles/a.yaml": SLEEP });
    // The prefix does not exist yet on the first boot: its path must resolve as on the second.
    const prefix = join(link, "box");
    const args = ["--root", box.root, "--tags-file", box.tagsFile, "--prefix", prefix, "--status-port", "0"];
    onTestFinished(async () => {
      await runCli(["down", "--reset", "--prefix", prefix]);
      rmSync(real, { recursive: true, force: true });
    });
    expect((await runJson(["boot", ...args, "--wait", "10"])).added).toEqual(["a.main.0"]);
    expect(await runJson(["boot", ...args])).toMatchObject({ changed: [], unchanged: ["a.main.0"] });
  });
});

describe("down leaves nothing", () => {
  it("of a process that left its instance's group but kept writing to its log", { timeout: 30_000 }, async () => {
    const box = testBox({ "roles/a.yaml": "command: sh -c 'setsid sleep 7771 & exec sleep 100000'\n" });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const escaped = () => listProcesses().filter((p) => p.argv.join(" ") === "sleep 7771" && p.state !== "Z");
    await expect.poll(() => escaped().length, { timeout: 5000 }).toBe(1);
    const started = Date.now();
    const down = await box.down("--reset");
    expect(down.code, down.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(escaped()).toEqual([]);
    expect(findRunsvdir(box.paths.serviceDir)).toEqual([]);
  });

  it("of an app whose name holds a newline and \") \", and which ignores TERM", { timeout: 30_000 }, async () => {
    // The app renames itself so that the first line of its /proc stat hides its process group.
    const scratch = scratchDir();
    const src = join(scratch, "weird.c");
    writeFileSync(src, [
      "#include <signal.h>", "#include <sys/prctl.h>", "#include <unistd.h>",
      'int main(void) { prctl(PR_SET_NAME, "x\\n) a) S 1 1"); signal(SIGTERM, SIG_IGN);',
      '  if (fork() == 0) { execlp("sleep", "sleep", "7772", (char *)0); } for (;;) pause(); }',
    ].join("\n"));
    const bin = join(scratch, "weird");
    expect(spawnSync("cc", ["-o", bin, src]).status).toBe(0);
    chmodSync(bin, 0o755);
    const box = testBox({ "roles/weird.yaml": `command: ${bin}\nstop: { grace: 1s }\n` });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const left = () => listProcesses().filter((p) => p.state !== "Z" && (p.argv.join(" ") === "sleep 7772" || p.argv[0] === bin));
    await expect.poll(() => left().length, { timeout: 5000 }).toBe(2);
    const down = await box.down();
    expect(down.code, down.stderr).toBe(0);
    expect(left()).toEqual([]);
  });

  it("when the disk is full and runsv cannot record the stop", { timeout: 30_000 }, async () => {
    const box = testBox({ "roles/a.yaml": SLEEP, "roles/b.yaml": SLEEP });
    mkdirSync(box.prefix, { recursive: true });
    expect(spawnSyncOk("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", box.prefix])).toBe(0);
    // The box goes before its file system does.
    onTestFinished(async () => {
      await teardown(box);
      spawnSyncOk("umount", ["-l", box.prefix]);
    });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const apps = [box.pid("a.main.0"), box.pid("b.main.0")];
    // Fill it to the last block.
    spawnSync("dd", ["if=/dev/zero", `of=${join(box.prefix, "filler")}`, "bs=4k"], { stdio: "ignore" });
    const down = await box.down();
    expect(down.code, down.stderr).toBe(0);
    expect(apps.filter(isAlive)).toEqual([]);
    rmSync(join(box.prefix, "filler"));
  });
});

describe("down --reset stops the box's own runsvdir", () => {
  it("when a boot was killed before it wrote the runsvdir's pid file", async () => {
    const box = testBox({ "roles/a.yaml": SLEEP });
    const report = await box.bootJson("--wait", "10");
    rmSync(box.paths.runsvdirPidFile);
    expect((await box.down("--reset")).code).toBe(0);
    expect(isAlive(report.runsvdir.pid)).toBe(false);
  });

  it("when plan.json names another service directory", async () => {
    const box = testBox({ "roles/a.yaml": SLEEP });
    const report = await box.bootJson("--wait", "10");
    writeFileSync(box.paths.planFile, JSON.stringify({ version: 1, generation: "x", serviceDir: "/etc", plan: { mode: "review", box: { name: "x" }, instances: [] } }));
    expect((await box.down("--reset")).code).toBe(0);
    expect(isAlive(report.runsvdir.pid)).toBe(false);
    expect(existsSync("/etc/passwd")).toBe(true);
  });
});

describe("a service root that is a file", () => {
  it("is made a directory again by boot, which converges, and down --reset stops everything", { timeout: 30_000 }, async () => {
    const box = testBox({ "roles/a.yaml": SLEEP });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const old = box.pid("a.main.0");
    const aside = `${box.paths.svRoot}.aside`;
    renameSync(box.paths.svRoot, aside);
    onTestFinished(() => rmSync(aside, { recursive: true, force: true }));
    writeFileSync(box.paths.svRoot, "x\n");
    const again = await box.boot("--wait", "15");
    expect(again.code, again.stderr).toBe(0);
    await expect.poll(() => isAlive(old), { timeout: 10_000 }).toBe(false);
    const down = await box.down("--reset");
    expect(down.code, down.stderr).toBe(0);
    expect(findRunsvdir(box.paths.serviceDir)).toEqual([]);
  });
});

describe("a missing or corrupt plan.json", () => {
  it.each([
    ["corrupt", "{ not json"],
    ["of another version", JSON.stringify({ version: 99, plan: {} })],
    ["missing", null],
  ])("%s: status shows what runs, boot rewrites it, and down --reset stops everything", { timeout: 60_000 }, async (_what, contents) => {
    const box = testBox({ "roles/db.yaml": SLEEP, "roles/app.yaml": `${SLEEP}needs: [db]\n` });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const spoil = () => (contents === null ? rmSync(box.paths.planFile) : writeFileSync(box.paths.planFile, contents));
    spoil();
    const status = await runCli(["status", "--prefix", box.prefix, "--json"]);
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.instances.map((i: { name: string }) => i.name).sort()).toEqual(["app.main.0", "db.main.0"]);
    expect(s.note).toContain("plan.json");

    // Boot writes a sound plan again and restarts nothing.
    expect(await box.bootJson()).toMatchObject({ changed: [], unchanged: ["db.main.0", "app.main.0"] });
    expect(JSON.parse(readFileSync(box.paths.planFile, "utf8")).version).toBe(1);

    spoil();
    const down = await box.down("--reset");
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain("note:");
    expect(supervisedDirs([box.paths.sv("db.main.0"), box.paths.sv("app.main.0")]).size).toBe(0);
    expect(findRunsvdir(box.paths.serviceDir)).toEqual([]);
  });

  it("of another version is named by restart, which needs it", async () => {
    const box = testBox({ "roles/a.yaml": SLEEP });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    writeFileSync(box.paths.planFile, JSON.stringify({ version: 99 }));
    const r = await runCli(["restart", "--prefix", box.prefix]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${box.paths.planFile} is not a plan this unibox can read: version 99, expected 1`);
  });
});

describe("boot --wait", () => {
  it("stops waiting, exit 1, when down takes the box down meanwhile", { timeout: 30_000 }, async () => {
    const box = testBox({ "roles/never.yaml": `${SLEEP}health: { cmd: "false" }\n` });
    const waiting = spawn(process.execPath, [bin, "boot", "--root", box.root, "--prefix", box.prefix, "--tags-file", box.tagsFile, "--status-port", "0", "--wait", "60"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    waiting.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number>((resolve) => waiting.once("exit", (code) => resolve(code ?? -1)));
    onTestFinished(() => void (waiting.exitCode === null && waiting.kill("SIGKILL")));
    await expect.poll(() => existsSync(box.paths.planFile), { timeout: 10_000 }).toBe(true);
    const started = Date.now();
    expect((await box.down()).code).toBe(0);
    expect(await exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stderr).toContain("stopped waiting: never.main.0 was taken down");
  });
});

describe("a full disk", () => {
  it("fails the boot naming the path it could not write, and starts nothing", { timeout: 30_000 }, async () => {
    const box = testBox({ "roles/a.yaml": SLEEP, "envdirs/a/BIG": `${"x".repeat(2000)}\n` });
    // A tiny tmpfs as the prefix, nearly full: the first writes fit, a later one does not.
    mkdirSync(box.prefix, { recursive: true });
    const mount = spawnSyncOk("mount", ["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", box.prefix]);
    expect(mount, "mounting a tmpfs (the test runs as root)").toBe(0);
    onTestFinished(async () => {
      await teardown(box);
      spawnSyncOk("umount", ["-l", box.prefix]);
    });
    writeFileSync(join(box.prefix, "filler"), Buffer.alloc(60 * 1024));
    const r = await box.boot();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`cannot (write|create directory|link) ${box.prefix}/\\S+: no space left on device \\(ENOSPC\\)`));
    expect(findRunsvdir(box.paths.serviceDir)).toEqual([]);
  });
});

function spawnSyncOk(cmd: string, args: string[]): number {
  return spawnSync(cmd, args, { stdio: "ignore" }).status ?? 1;
}

/** A scratch directory for this test, removed after it. */
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "unibox-scratch-"));
  chmodSync(dir, 0o755);
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
