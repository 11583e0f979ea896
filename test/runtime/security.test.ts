// A service user trying to become root, an inherited umask of 000, a box its users cannot reach:
// what the box's files let a user do, checked as that user and by the modes boot leaves.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, type Stats } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { createServer, type AddressInfo } from "node:net";
import { listProcesses } from "../../src/runtime/processes.js";
import { runCli } from "../helpers/cli.js";
import { freePort, testBox, waitForStatus } from "../helpers/box.js";

const NOBODY = 65534;
const bin = fileURLToPath(new URL("../../bin/unibox.js", import.meta.url));

/** Every path under `dir` (not following symlinks), with its lstat. */
function walk(dir: string): { path: string; st: Stats }[] {
  const out: { path: string; st: Stats }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    out.push({ path, st });
    if (st.isDirectory()) out.push(...walk(path));
  }
  return out;
}

/** Whether uid `nobody` (group nogroup, 65534) may write `st` by its mode bits. */
function nobodyMayWrite(st: Stats): boolean {
  if (st.isSymbolicLink()) return false;
  if (st.uid === NOBODY) return (st.mode & 0o200) !== 0;
  if (st.gid === NOBODY) return (st.mode & 0o020) !== 0;
  return (st.mode & 0o002) !== 0;
}

/** Runs a shell line as nobody; its exit code. */
function asNobody(line: string): number {
  return spawnSync("runuser", ["-u", "nobody", "--", "sh", "-c", line], { stdio: "ignore" }).status ?? 1;
}

describe("a service user", () => {
  it("cannot change what root runs: env layers are root's, and a PATH layer cannot redirect root's programs", { timeout: 60_000 }, async () => {
    // A directory the service user owns, named first in PATH by the stack: the classic escalation.
    const evil = mkdtempSync(join(tmpdir(), "unibox-evil-"));
    chmodSync(evil, 0o755);
    chownSync(evil, NOBODY, NOBODY);
    onTestFinished(() => rmSync(evil, { recursive: true, force: true }));
    const box = testBox({
      "envdirs/common/PATH": `${evil}:/usr/bin:/bin\n`,
      "roles/svc.yaml": "user: nobody\ncommand: sleep 100000\nhealth: { cmd: \"true\" }\nstop: { command: \"true\" }\n",
    });
    expect((await box.boot("--wait", "10")).code).toBe(0);

    // Every program a script could look up through that PATH, planted by the user: each records who ran it.
    const ranAs = join(evil, "ran-as");
    for (const tool of ["chpst", "sh", "timeout", "sleep", "date", "cat", "mv", "rm", "curl", "svlogd", "bash"]) {
      expect(asNobody(`printf '#!/bin/sh\\nid -u >> ${ranAs}\\nexec /usr/bin/${tool} "$@"\\n' > ${evil}/${tool} && chmod 755 ${evil}/${tool}`)).toBe(0);
    }
    // Nor can the user rewrite a layer, or add one.
    const layerFile = `${box.paths.env("svc.main.0")}/PATH`;
    expect(asNobody(`echo /tmp > ${layerFile}`)).not.toBe(0);
    expect(asNobody(`echo x > ${box.paths.env("svc.main.0")}/LD_PRELOAD`)).not.toBe(0);
    expect(asNobody(`echo x > ${box.paths.sv("svc.main.0")}/run`)).not.toBe(0);
    expect(readFileSync(layerFile, "utf8")).toBe(`${evil}:/usr/bin:/bin\n`);

    // A restart runs control/t (the stop command), run, and the check: root's part of each must not touch the plants.
    expect((await runCli(["restart", "svc", "--prefix", box.prefix])).code).toBe(0);
    await waitForStatus(box, (s) => s.instances.every((i) => i.healthy));
    const uids = () => (existsSync(ranAs) ? readFileSync(ranAs, "utf8").trim().split("\n") : []);
    // Not vacuous: the app's own shell, as nobody, does find the planted `sleep` through PATH (a moment after its check passes).
    await expect.poll(uids, { timeout: 5000 }).toContain(String(NOBODY));
    expect(uids()).not.toContain("0");
  });

  it("cannot load a library into a process of root's through an LD_PRELOAD layer", { timeout: 60_000 }, async () => {
    // The library records the uid of every process that loads it; the user owns where it lives.
    const lib = mkdtempSync(join(tmpdir(), "unibox-preload-"));
    chmodSync(lib, 0o755);
    chownSync(lib, NOBODY, NOBODY);
    onTestFinished(() => rmSync(lib, { recursive: true, force: true }));
    const loadedBy = join(lib, "loaded-by");
    writeFileSync(join(lib, "record.c"), `#include <stdio.h>\n#include <unistd.h>\n__attribute__((constructor)) static void record(void) { FILE *f = fopen("${loadedBy}", "a"); if (f) { fprintf(f, "%d\\n", (int)getuid()); fclose(f); } }\n`);
    const cc = spawnSync("cc", ["-shared", "-fPIC", "-o", join(lib, "record.so"), join(lib, "record.c")], { encoding: "utf8" });
    expect(cc.status, `a C compiler is part of these machines: ${cc.stderr}`).toBe(0);
    chmodSync(join(lib, "record.so"), 0o755);
    writeFileSync(loadedBy, "");
    chmodSync(loadedBy, 0o666);
    const box = testBox({
      "envdirs/common/LD_PRELOAD": `${join(lib, "record.so")}\n`,
      "roles/svc.yaml": "user: nobody\ncommand: sleep 100000\nhealth: { cmd: \"true\" }\nstop: { command: \"true\" }\n",
    });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    // Start, health checks, a stop command and a restart: every script root runs that reads the layers.
    expect((await runCli(["restart", "svc", "--prefix", box.prefix])).code).toBe(0);
    await waitForStatus(box, (s) => s.instances.every((i) => i.healthy));
    const uids = () => readFileSync(loadedBy, "utf8").trim().split("\n").filter(Boolean);
    // Not vacuous: the user's own processes do load it.
    await expect.poll(uids, { timeout: 5000 }).toContain(String(NOBODY));
    expect(uids()).not.toContain("0");
  });

  it("is who runs the http health check, which reads what the app answers", { timeout: 30_000 }, async () => {
    const [health, program] = ["health: { http: /health, timeout: 3s }", "curl"];
    // An endpoint that accepts and never answers holds the check long enough to see who runs it.
    const hang = createServer(() => undefined);
    await new Promise<void>((resolve) => hang.listen(0, "127.0.0.1", resolve));
    const port = (hang.address() as AddressInfo).port;
    onTestFinished(() => new Promise<void>((resolve) => hang.close(() => resolve())));
    hang.on("connection", (socket) => onTestFinished(() => void socket.destroy()));
    const box = testBox({ "roles/svc.yaml": `user: nobody\ncommand: sleep 100000\nport: ${port}\n${health}\n` });
    expect((await box.boot("--status-port", "0")).code).toBe(0);
    const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
    const runner = () => listProcesses().find((p) => p.state !== "Z" && p.argv[0]?.endsWith(program) && p.argv.some((a) => a.includes(String(port))));
    // `status` checks an instance once it has started: ask again until a check is under way.
    let checking: Promise<unknown> | undefined;
    await expect
      .poll(() => {
        checking ??= box.status().finally(() => (checking = undefined));
        return runner() !== undefined;
      }, { timeout: 15_000 })
      .toBe(true);
    expect(uidOf(runner()!.pid)).toBe(NOBODY);
    await checking;
  });

  it("owns nothing under the box but its state directory, and can write nothing else there", async () => {
    const box = testBox({ "roles/svc.yaml": "user: nobody\ncommand: sleep 100000\n", "envdirs/svc/TOKEN": "t0k3n\n" });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const state = box.paths.state("svc");
    const offending = walk(box.prefix)
      .filter(({ path, st }) => (st.uid === NOBODY || nobodyMayWrite(st)) && path !== state && !path.startsWith(`${state}/`))
      .map(({ path }) => path);
    expect(offending).toEqual([]);
    // As the user, by the kernel's own judgement, on what matters most.
    for (const path of [box.paths.etc, box.paths.sv("svc.main.0"), box.paths.env("svc.main.0"), box.paths.serviceDir, box.paths.log("svc.main.0")]) {
      expect(asNobody(`touch ${path}/intruder`), path).not.toBe(0);
    }
    expect(asNobody(`touch ${state}/mine`)).toBe(0);
  });
});

describe("the directories root starts services from", () => {
  it("are refused when others can write them, and left as they were", async () => {
    const open = mkdtempSync(join(tmpdir(), "unibox-open-"));
    chmodSync(open, 0o1777);
    onTestFinished(() => rmSync(open, { recursive: true, force: true }));
    const box = testBox({ "roles/a.yaml": "command: sleep 100000\n" });
    const r = await box.boot("--service-dir", open);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the directory runsvdir scans ${open}: ${open} is mode 1777`);
    expect(r.stderr).toContain(`chmod go-w ${open}`);
    expect(lstatSync(open).mode & 0o7777).toBe(0o1777);
    expect(existsSync(box.paths.etc)).toBe(false);
    // A prefix others can write is refused the same way.
    chmodSync(box.prefix, 0o777);
    const p = await box.boot();
    expect(p.code).toBe(2);
    expect(p.stderr).toContain(`the prefix ${box.prefix}`);
  });
});

describe("a process a service user names runsv or runsvdir", () => {
  it("neither stops a boot from starting its own runsvdir nor holds up down --reset", { timeout: 60_000 }, async () => {
    const box = testBox({ "roles/a.yaml": "command: sleep 100000\n" });
    // A fake runsvdir "scanning" the box's service directory before the first boot.
    mkdirSync(box.paths.serviceDir, { recursive: true });
    const fakeRunsvdir = spawn("runuser", ["-u", "nobody", "--", "bash", "-c", `exec -a runsvdir bash -c "sleep 300; true" x -P ${box.paths.serviceDir}`], { stdio: "ignore" });
    onTestFinished(() => void killTree(fakeRunsvdir.pid!));
    await expect.poll(() => listProcesses().some((p) => p.argv[0] === "runsvdir" && p.argv.includes(box.paths.serviceDir)), { timeout: 5000 }).toBe(true);
    const first = await box.bootJson("--wait", "10");
    expect(first.runsvdir.started).toBe(true);

    // A fake runsv working in the instance's service directory.
    const fakeRunsv = spawn("runuser", ["-u", "nobody", "--", "bash", "-c", `cd ${box.paths.sv("a.main.0")} && exec -a runsv bash -c "sleep 300; true"`], { stdio: "ignore" });
    onTestFinished(() => void killTree(fakeRunsv.pid!));
    await expect.poll(() => listProcesses().some((p) => p.argv[0] === "runsv" && p.state !== "Z"), { timeout: 5000 }).toBe(true);
    const started = Date.now();
    const down = await box.down("--reset");
    expect(down.code, down.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(existsSync(box.paths.etc)).toBe(false);
  });
});

describe("a boot under umask 000", () => {
  it("leaves nothing under the prefix writable by group or others", { timeout: 30_000 }, async () => {
    const box = testBox({ "roles/a.yaml": "command: sleep 100000\nreplicas: 2\n", "envdirs/a/X": "1\n" });
    // Boot makes the prefix itself: its mode must not come from the umask either.
    rmSync(box.prefix, { recursive: true });
    const port = await freePort();
    const r = spawnSync("sh", ["-c", 'umask 000; exec "$@"', "sh", process.execPath, bin, "boot", "--root", box.root, "--prefix", box.prefix, "--tags-file", box.tagsFile, "--status-port", String(port), "--wait", "10"], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    // svlogd's files and runsv's supervise/ come later: wait for the logs to be written.
    await waitForStatus(box, (s) => s.instances.every((i) => i.healthy));
    const writable = [{ path: box.prefix, st: lstatSync(box.prefix) }, ...walk(box.prefix)]
      .filter(({ st }) => !st.isSymbolicLink() && (st.mode & 0o022) !== 0)
      .map(({ path, st }) => `${path} ${(st.mode & 0o7777).toString(8)}`);
    expect(writable).toEqual([]);
    expect(walk(box.prefix).some(({ path }) => path.endsWith("/current"))).toBe(true);
  });
});

describe("a box its service users cannot reach", () => {
  it("is refused before anything is written, naming the user, the directory, its mode and the fix", async () => {
    // mkdtemp's 0700, as a home directory would be: nobody cannot enter it to reach its state directory.
    const closed = mkdtempSync(join(tmpdir(), "unibox-closed-"));
    onTestFinished(() => rmSync(closed, { recursive: true, force: true }));
    const box = testBox({ "roles/svc.yaml": "user: nobody\ncommand: sleep 100000\n" });
    const prefix = join(closed, "box");
    const r = await runCli(["boot", "--root", box.root, "--prefix", prefix, "--tags-file", box.tagsFile, "--status-port", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`nobody (svc.main.0) cannot reach its state directory ${prefix}/var/lib/unibox/svc`);
    expect(r.stderr).toContain(`${closed} is mode 0700`);
    expect(r.stderr).toContain(`chmod o+x ${closed}`);
    expect(existsSync(prefix)).toBe(false);
  });

  it("is refused when the working directory is closed to the user", async () => {
    const box = testBox({ "roles/svc.yaml": "user: nobody\ncommand: sleep 100000\n" });
    chmodSync(box.root, 0o700);
    const r = await box.boot();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`nobody (svc.main.0) cannot reach its working directory ${box.root}`);
    expect(existsSync(box.paths.etc)).toBe(false);
  });
});

/** Kills `pid` and its descendants, by pid. */
function killTree(pid: number): void {
  const all = listProcesses();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i]).map((p) => p.pid));
  for (const p of tree.reverse()) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone
    }
  }
}
