// `unibox boot` with the real runit: what runs, with what environment, as whom, in what order.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { isAlive, processEnv } from "../../src/runtime/processes.js";
import { findRunsvdir } from "../../src/runtime/runsvdir.js";
import { runCli, runJson } from "../helpers/cli.js";
import { testBox, type TestBox } from "../helpers/box.js";
import { layeredStackFiles } from "../helpers/layered-stack.js";

const SLEEP = "command: sleep 100000\n";

/** What a process got from its layers: its environ less what the shell and runsvdir add. */
function layeredEnv(pid: number): Record<string, string> {
  const { PATH: _p, PWD: _w, OLDPWD: _o, SHLVL: _s, _: _u, ...env } = processEnv(pid);
  return env;
}

describe("unibox boot", () => {
  it("gives every running process exactly the environment `unibox env` reports", async () => {
    const box = testBox(layeredStackFiles({ command: "sleep 100000", webPort: 7210, dbPort: 7220 }));
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const status = await box.status();
    expect(status.instances.map((i) => i.name)).toEqual(["app.web.0", "app.web.1", "app.jobs.0", "db.main.0"]);
    for (const instance of status.instances) {
      const { env } = await runJson<{ env: Record<string, { value: string }> }>(["env", instance.name, "--root", box.root, "--tags-file", box.tagsFile, "--prefix", box.prefix]);
      const expected = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.value]));
      expect(layeredEnv(instance.pid!), instance.name).toEqual(expected);
    }
    // Spot checks that the comparison is not vacuous.
    const web1 = layeredEnv(box.pid("app.web.1"));
    expect(web1).toMatchObject({ A: "review.app.web", PORT: "7211", DB: "postgres://127.0.0.1:7220/x?box=test&mode=review", TRAILING: "value with blanks", EMPTYSTRING: "", LINKED: "common-b", SELF: "7210" });
    expect(web1.GONE).toBeUndefined();
    expect(layeredEnv(box.pid("app.jobs.0")).GONE).toBe("set in common");
  });

  it("changes nothing and restarts nothing on a second boot with the same inputs", async () => {
    const box = testBox({ "roles/a.yaml": `${SLEEP}replicas: 3\n`, "envdirs/a/X": "1\n" });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const before = (await box.status()).instances.map((i) => i.pid);
    const mtime = statSync(`${box.paths.sv("a.main.0")}/run`).mtimeMs;
    const second = await box.bootJson();
    expect(second).toMatchObject({ added: [], changed: [], removed: [], unchanged: ["a.main.0", "a.main.1", "a.main.2"], runsvdir: { started: false } });
    expect((await box.status()).instances.map((i) => i.pid)).toEqual(before);
    expect(statSync(`${box.paths.sv("a.main.0")}/run`).mtimeMs).toBe(mtime);
  });

  it("restarts exactly the instances that read a changed layer, and stops the ones no longer planned", async () => {
    const box = testBox({
      "roles/app.yaml": `components:\n  web: { command: sleep 100000, replicas: 2 }\n  jobs: { command: sleep 100000 }\n`,
      "roles/other.yaml": SLEEP,
      "envdirs/app.web/X": "1\n",
    });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const before = Object.fromEntries((await box.status()).instances.map((i) => [i.name, i.pid]));
    writeFileSync(`${box.root}/envdirs/app.web/X`, "2\n");
    writeFileSync(`${box.root}/roles/app.yaml`, `components:\n  web: { command: sleep 100000, replicas: 1 }\n  jobs: { command: sleep 100000 }\n`);
    const report = await box.bootJson("--wait", "10");
    expect(report).toMatchObject({ added: [], changed: ["app.web.0"], removed: ["app.web.1"], unchanged: ["app.jobs.0", "other.main.0"] });
    const after = Object.fromEntries((await box.status()).instances.map((i) => [i.name, i.pid]));
    expect(Object.keys(after)).toEqual(["app.web.0", "app.jobs.0", "other.main.0"]);
    expect(after["app.web.0"]).not.toBe(before["app.web.0"]);
    expect(after["app.jobs.0"]).toBe(before["app.jobs.0"]);
    expect(after["other.main.0"]).toBe(before["other.main.0"]);
    expect(layeredEnv(after["app.web.0"]!).X).toBe("2");
  });

  it("exits 4 naming a crashing component and its log, and keeps the rest of the box running", async () => {
    const box = testBox({
      "roles/ok.yaml": SLEEP,
      "roles/bad.yaml": `command: "sh -c 'echo cannot connect to the database; exit 3'"\n`,
    });
    const r = await box.boot("--wait", "4");
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("not healthy after 4 s: bad.main.0");
    expect(r.stderr).toContain("cannot connect to the database");
    const status = await box.status();
    expect(status.instances.find((i) => i.name === "ok.main.0")).toMatchObject({ state: "up", healthy: true });
    expect(status.instances.find((i) => i.name === "bad.main.0")).toMatchObject({ healthy: false, lastExit: { code: 3 } });
    expect(findRunsvdir(box.paths.serviceDir)).toHaveLength(1);
  });

  it("starts a service only after what it needs is healthy, even when that is slow", async () => {
    const box = testBox({
      // Healthy 1.5 s after it starts.
      "roles/db.yaml": [
        `command: "sh -c 'sleep 1.5; date +%s%N > $UNIBOX_STATE_DIR/ready; exec sleep 100000'"`,
        `health: { cmd: "test -f $UNIBOX_STATE_DIR/ready" }`,
      ].join("\n"),
      "roles/app.yaml": [`needs: [db]`, `command: "sh -c 'date +%s%N > $UNIBOX_STATE_DIR/started; exec sleep 100000'"`].join("\n"),
    });
    expect((await box.boot("--wait", "15")).code).toBe(0);
    const ready = Number(readFileSync(`${box.paths.state("db")}/ready`, "utf8"));
    const started = Number(readFileSync(`${box.paths.state("app")}/started`, "utf8"));
    expect(started).toBeGreaterThan(ready);
  });

  it("runs a role with user: under that uid, reading env files that are root's alone", async () => {
    ensureUser("unibox-test");
    const uid = Number(execFileSync("id", ["-u", "unibox-test"], { encoding: "utf8" }).trim());
    const box = testBox({ "roles/svc.yaml": `user: unibox-test\n${SLEEP}`, "envdirs/svc/SECRET": "s3cret\n" });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const statusLine = readFileSync(`/proc/${box.pid("svc.main.0")}/status`, "utf8").split("\n").find((l) => l.startsWith("Uid:"))!;
    expect(statusLine.split(/\s+/).slice(1, 3)).toEqual([String(uid), String(uid)]);
    // chpst reads the layers as root before it drops to the user: the user needs no access to them.
    const secret = statSync(`${box.paths.env("svc.main.0")}/SECRET`);
    expect(secret.uid).toBe(0);
    expect(secret.mode & 0o777).toBe(0o600);
    expect(statSync(box.paths.env("svc.main.0"))).toMatchObject({ uid: 0 });
    expect(statSync(box.paths.env("svc.main.0")).mode & 0o777).toBe(0o700);
    expect(layeredEnv(box.pid("svc.main.0")).SECRET).toBe("s3cret");
  });

  it("runs a command holding blank lines exactly as written", async () => {
    const box = testBox({ "roles/gaps.yaml": `command: "printf 'a\\n\\n\\n\\nb' > $UNIBOX_STATE_DIR/out\\n\\n\\n\\nexec sleep 100000"\n` });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    expect(readFileSync(`${box.paths.state("gaps")}/out`, "utf8")).toBe("a\n\n\n\nb");
    expect(readFileSync(`${box.paths.sv("gaps.main.0")}/run`, "utf8")).toContain("out\n\n\n\nexec sleep 100000");
  });

  it("refuses a box with nothing to run, and writes nothing", async () => {
    const box = testBox({ "roles/a.yaml": "command: sleep 100000\nreplicas: { review: 0 }\n" });
    const r = await box.boot();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nothing to run");
    expect(existsSync(box.paths.etc)).toBe(false);
  });

  it("shows a failing app's log without the control characters it printed", async () => {
    const box = testBox({ "roles/loud.yaml": "command: \"printf '\\\\033]0;PWNED\\\\007\\\\033[2Jboom\\\\n'; exit 1\"\n" });
    const r = await box.boot("--wait", "4");
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("boom");
    expect(r.stderr).not.toMatch(/[\u001b\u0007]/);
  });

  it("runs a command line with operators as written, and a simple command with exec", async () => {
    const box = testBox({
      "roles/chain.yaml": `command: "echo first > $UNIBOX_STATE_DIR/first && exec sleep 100000"\n`,
      "roles/assign.yaml": `command: "GREETING=hi sh -c 'echo $GREETING > $UNIBOX_STATE_DIR/greeting; exec sleep 100000'"\n`,
    });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    expect(readFileSync(`${box.paths.state("chain")}/first`, "utf8")).toBe("first\n");
    expect(readFileSync(`${box.paths.state("assign")}/greeting`, "utf8")).toBe("hi\n");
  });

  it("works the same under a prefix reached through a symlink", async () => {
    const box = testBox({ "roles/a.yaml": SLEEP });
    const link = `${box.prefix}-link`;
    symlinkSync(box.prefix, link);
    onTestFinished(() => rmSync(link, { force: true }));
    const args = ["--root", box.root, "--tags-file", box.tagsFile, "--prefix", link, "--status-port", "0"];
    expect((await runCli(["boot", ...args, "--wait", "10"])).code).toBe(0);
    const pid = box.pid("a.main.0");
    writeFileSync(`${box.root}/roles/a.yaml`, `${SLEEP}stop: { grace: 3s }\n`);
    const again = await runJson(["boot", ...args, "--wait", "10"]);
    expect(again).toMatchObject({ changed: ["a.main.0"] });
    expect(box.pid("a.main.0")).not.toBe(pid);
    expect((await runCli(["down", "--prefix", link])).code).toBe(0);
    expect(isAlive(box.pid("a.main.0"))).toBe(false);
  });

  // Needs a checkout that `nobody` can read (a clone under a 0700 directory is not).
  const repo = fileURLToPath(new URL("../..", import.meta.url));
  const nobodyReads = spawnSync("runuser", ["-u", "nobody", "--", "test", "-r", `${repo}/dist/cli/main.js`]).status === 0;
  it.skipIf(!nobodyReads)("refuses, as a user who cannot switch users, a stack whose roles name users, and writes nothing", () => {
    const root = repo;
    const prefix = `${tmpdir()}/unibox-nonroot-${process.pid}`;
    const r = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, `${root}/bin/unibox.js`, "boot", "--root", root, "--prefix", prefix, "--tags-file", `${root}/examples/tags/review.json`], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('postgres.main.0 runs as "postgres", but unibox boot is not running as root');
    expect(existsSync(prefix)).toBe(false);
  });

  it("refuses a status port that an instance listens on, before starting anything", async () => {
    const box = testBox({ "roles/a.yaml": `${SLEEP}port: 9100\n` });
    const r = await runCli(["boot", "--root", box.root, "--tags-file", box.tagsFile, "--prefix", box.prefix]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--status-port 9100: a.main.0 listens on 9100");
    expect(findRunsvdir(box.paths.serviceDir)).toEqual([]);
  });
});

function ensureUser(name: string): void {
  try {
    execFileSync("id", [name], { stdio: "ignore" });
  } catch {
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name]);
  }
}

export type { TestBox };
