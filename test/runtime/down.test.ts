// `unibox down` with the real runit: graceful, bounded, nothing left behind.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { findRunsvdir, stopRunsvdir, supervisedDirs } from "../../src/runtime/runsvdir.js";
import { readSupervise } from "../../src/runtime/sv.js";
import { groupMembers, testBox, waitForStatus } from "../helpers/box.js";

describe("unibox down", () => {
  it("leaves no process of a component that ignores TERM and forks children, within grace + 1 s", async () => {
    const box = testBox({
      "roles/stubborn.yaml": [
        // Ignores TERM, forks two children that ignore it too; only KILL of the group ends it.
        `command: "sh -c 'trap \\"\\" TERM; sh -c \\"trap \\\\\\"\\\\\\" TERM; sleep 1000\\" & sleep 1000 & while :; do sleep 1; done'"`,
        "stop: { grace: 1s }",
      ].join("\n"),
    });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const pgid = box.pid("stubborn.main.0");
    await expect.poll(() => groupMembers(pgid).length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);

    const t0 = Date.now();
    const r = await box.down();
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(0);
    expect(groupMembers(pgid)).toEqual([]);
    expect(seconds).toBeLessThan(1 + 1 + 0.5); // grace + 1 s, and the CLI's own start-up
    const status = await box.status();
    expect(status.instances[0]).toMatchObject({ name: "stubborn.main.0", state: "down" });
  });

  it("gives an app that drains on TERM the time it needs", async () => {
    const box = testBox({
      "roles/drainer.yaml": [
        // On TERM: wait 400 ms (finishing in-flight work), then record that the drain completed.
        `command: "sh -c 'trap \\"sleep 0.4; echo drained > $UNIBOX_STATE_DIR/drained; exit 0\\" TERM; while :; do sleep 0.1; done'"`,
        "stop: { grace: 5s }",
      ].join("\n"),
    });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const r = await box.down();
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(`${box.paths.state("drainer")}/drained`, "utf8")).toBe("drained\n");
    const status = await box.status();
    expect(status.instances[0].lastExit).toMatchObject({ code: 0 });
  });

  it("runs the stop command before the signal", async () => {
    const box = testBox({
      "roles/web.yaml": [
        `command: "sh -c 'trap \\"exit 0\\" TERM; while :; do sleep 0.1; done'"`,
        `stop: { command: "echo drain-requested > $UNIBOX_STATE_DIR/drain", grace: 3s }`,
      ].join("\n"),
    });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    expect((await box.down()).code).toBe(0);
    expect(readFileSync(`${box.paths.state("web")}/drain`, "utf8")).toBe("drain-requested\n");
  });

  it("bounds a stop command that ignores TERM by the grace, and still stops the app", async () => {
    const box = testBox({
      "roles/web.yaml": [
        "command: sleep 100000",
        // The drain hangs and ignores TERM: `timeout` alone would wait for it; -k and the one deadline do not.
        `stop: { command: "trap '' TERM; sleep 30", grace: 2s }`,
      ].join("\n"),
    });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const pid = box.pid("web.main.0");
    const t0 = Date.now();
    expect((await box.down()).code).toBe(0);
    expect((Date.now() - t0) / 1000).toBeLessThan(2 + 1 + 1);
    expect(groupMembers(pid)).toEqual([]);
  });

  it("stops dependents before what they need", async () => {
    const box = testBox({
      "roles/db.yaml": `command: "sh -c 'trap \\"date +%s%N > $UNIBOX_STATE_DIR/stopped; exit 0\\" TERM; while :; do sleep 0.05; done'"`,
      "roles/app.yaml": [
        "needs: [db]",
        `command: "sh -c 'trap \\"sleep 0.3; date +%s%N > $UNIBOX_STATE_DIR/stopped; exit 0\\" TERM; while :; do sleep 0.05; done'"`,
      ].join("\n"),
    });
    expect((await box.boot("--wait", "15")).code).toBe(0);
    expect((await box.down()).code).toBe(0);
    const app = Number(readFileSync(`${box.paths.state("app")}/stopped`, "utf8"));
    const db = Number(readFileSync(`${box.paths.state("db")}/stopped`, "utf8"));
    expect(db).toBeGreaterThan(app);
  });

  it("keeps instances stopped after down, and boot starts them again", async () => {
    const box = testBox({ "roles/a.yaml": "command: sleep 100000\nreplicas: 2\n" });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const before = (await box.status()).instances.map((i) => i.pid);
    expect((await box.down()).code).toBe(0);
    const stopped = await box.status();
    expect(stopped.instances.map((i) => [i.state, i.healthy])).toEqual([["down", false], ["down", false]]);
    // A `down` file keeps them down should runsvdir start them afresh (a reboot); boot removes it.
    expect(existsSync(`${box.paths.sv("a.main.0")}/down`)).toBe(true);
    // Changed meanwhile: restarted, and not left with its `down` file either.
    writeFileSync(`${box.root}/roles/a.yaml`, "command: sleep 100000\nreplicas: 2\nstop: { grace: 3s }\n");
    const again = await box.boot("--wait", "10");
    expect(again.code, again.stderr).toBe(0);
    const after = await box.status();
    expect(after.instances.every((i) => i.state === "up" && i.healthy)).toBe(true);
    expect(after.instances.map((i) => i.pid)).not.toEqual(before);
    expect(existsSync(`${box.paths.sv("a.main.0")}/down`)).toBe(false);
    expect(existsSync(`${box.paths.sv("a.main.1")}/down`)).toBe(false);
  });

  it("removes what a first boot left before it saved its plan, on down --reset", async () => {
    const box = testBox({ "roles/a.yaml": "command: sleep 100000\n" });
    mkdirSync(`${box.paths.env("a.main.0")}/1-a`, { recursive: true });
    writeFileSync(`${box.paths.env("a.main.0")}/1-a/SECRET`, "s3cret\n");
    const r = await box.down("--reset");
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(box.paths.etc)).toBe(false);
  });

  it("boots again as new after down --reset, three times, leaving only logs", async () => {
    const box = testBox({
      "roles/a.yaml": "command: sleep 100000\nreplicas: 2\n",
      "roles/b.yaml": "command: sleep 100000\nneeds: [a]\n",
      "envdirs/common/X": "1\n",
    });
    const pgids: number[] = [];
    for (let round = 0; round < 3; round++) {
      const r = await box.boot("--wait", "15");
      expect(r.code, r.stderr).toBe(0);
      const status = await waitForStatus(box, (s) => s.instances.every((i) => i.healthy));
      expect(status.instances.map((i) => i.name)).toEqual(["a.main.0", "a.main.1", "b.main.0"]);
      pgids.push(...status.instances.map((i) => i.pid!));
      const down = await box.down("--reset");
      expect(down.code, down.stderr).toBe(0);
      expect(findRunsvdir(box.paths.serviceDir)).toEqual([]);
      expect(pgids.flatMap(groupMembers)).toEqual([]);
      expect(readdirSync(box.prefix).sort()).toEqual(["var"]);
      expect(readdirSync(`${box.prefix}/var`)).toEqual(["log"]);
      expect(existsSync(`${box.paths.logRoot}/a.main.0/current`)).toBe(true);
    }
  });

  it("leaves a runsvdir it did not start, and that runsvdir's other services, running after --reset", { timeout: 60_000 }, async () => {
    // A "system" runsvdir already scanning the service directory, with a service of its own.
    const system = mkdtempSync(join(tmpdir(), "unibox-system-"));
    const scanned = join(system, "service");
    mkdirSync(join(system, "other"), { recursive: true });
    writeFileSync(join(system, "other/run"), "#!/bin/sh\nexec sleep 100000\n", { mode: 0o755 });
    mkdirSync(scanned);
    symlinkSync(join(system, "other"), join(scanned, "other"));
    const past = new Date(Date.now() - 2000);
    utimesSync(scanned, past, past);
    const runsvdir = spawn("runsvdir", [scanned], { detached: true, stdio: "ignore" });
    onTestFinished(async () => {
      await stopRunsvdir(scanned, 10_000, [runsvdir.pid!]);
      rmSync(system, { recursive: true, force: true });
    });
    await expect.poll(() => readSupervise(join(system, "other")).state, { timeout: 5000 }).toBe("run");

    const box = testBox({ "roles/a.yaml": "command: sleep 100000\n" });
    // Linked into a runsvdir that is already running: it starts them on its next scan (up to ~5 s).
    const r = await box.boot("--service-dir", scanned, "--wait", "15");
    expect(r.code, r.stderr).toBe(0);
    const down = await box.down("--reset");
    expect(down.code, down.stderr).toBe(0);
    expect(findRunsvdir(scanned)).toEqual([runsvdir.pid]);
    expect(readSupervise(join(system, "other")).state).toBe("run");
    expect(readdirSync(scanned)).toEqual(["other"]);
    expect(supervisedDirs([box.paths.sv("a.main.0")]).size).toBe(0);
  });
});
