// The provisioning script run for real, as root, with UNIBOX_ROOT a temp dir: phases repos, stack, unibox,
// users (into the temp root's own /etc), boot-hook and seal, on a tiny fixture repo. The packages and
// runtimes phases are the debootstrap chroot test's (they install into the running system and download).
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { renderProvisionScript } from "../../../src/image/provision/render.js";
import type { BuildInput, ResolvedRepo } from "../../../src/image/types.js";
import { cwdOf, listProcesses } from "../../../src/runtime/processes.js";
import { pollUntil } from "../../../src/shared/poll.js";
import { buildInputFixture } from "./fixture.js";

// Debian's `nobody` exists on every machine these tests run on: the build user of these builds.
const BUILD_USER = "nobody";
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
// 0755: the build user must reach the checkout below it (mkdtemp makes 0700 directories).
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `unibox-${name}-`));
  chmodSync(d, 0o755);
  dirs.push(d);
  return d;
};
const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8" }).trim();
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** A git repo with a.txt, sub/b and a symlink, committed twice; returns both commits (oldest first). */
function fixtureRepo(): { dir: string; commits: string[] } {
  const dir = tempDir("repo");
  git(dir, "init", "-q");
  writeFileSync(join(dir, "a.txt"), "first\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "one");
  const first = git(dir, "rev-parse", "HEAD");
  writeFileSync(join(dir, "a.txt"), "hello\n");
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "sub/b"), "bee\n");
  symlinkSync("a.txt", join(dir, "link"));
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "two");
  return { dir, commits: [first, git(dir, "rev-parse", "HEAD")] };
}

function stage(sources: string, name: string, repoDir: string, commit: string): void {
  execFileSync("git", ["archive", "-o", join(sources, `${name}.tar`), commit], { cwd: repoDir });
}

function inputWith(repos: ResolvedRepo[]): BuildInput {
  return buildInputFixture({ recipe: { buildUser: BUILD_USER, repos } });
}

async function run(input: BuildInput, env: Record<string, string>) {
  const file = join(tempDir("script"), "provision.sh");
  writeFileSync(file, renderProvisionScript(input, { poweroff: false }));
  const result = await execa("bash", [file], { env, reject: false, stdin: "ignore", timeout: 30_000 });
  const lines = result.stdout.split("\n");
  const begin = lines.indexOf("UNIBOX-LOG-BEGIN");
  return {
    code: result.exitCode,
    stdout: result.stdout,
    markers: lines.filter((l) => l.startsWith("UNIBOX-")),
    log: begin >= 0 ? lines.slice(begin + 1, lines.indexOf("UNIBOX-LOG-END")) : [],
  };
}

/** Every entry below `dir`, relative, not following links. */
function walk(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel)).flatMap((name) => {
    const path = rel ? `${rel}/${name}` : name;
    return lstatSync(join(dir, path)).isDirectory() ? [path, ...walk(dir, path)] : [path];
  });
}

describe("phases repos and stack", () => {
  it("builds the repo from its staged archive as the build user, then leaves it root's and unwritable by others", async () => {
    const repo = fixtureRepo();
    const root = tempDir("root");
    const sources = tempDir("sources");
    stage(sources, "web", repo.dir, repo.commits[1]);
    // A runtime placed by an earlier phase: its bin/ comes first on the build steps' PATH.
    mkdirSync(join(root, "opt/unibox/runtimes/fake/bin"), { recursive: true });
    writeFileSync(join(root, "opt/unibox/runtimes/fake/bin/fake-tool"), "#!/bin/sh\necho from the runtime\n", { mode: 0o755 });
    const input = inputWith([
      {
        name: "web",
        url: "./apps/web",
        ref: "HEAD",
        commit: repo.commits[1],
        localPath: repo.dir,
        build: [
          "echo built > out.txt",
          `id -un > whoami.txt; echo "$HOME" > home.txt; echo "$PATH" > path.txt; fake-tool > tool.txt`,
          `printf '%s|%s|%s' "$npm_config_cache" "$npm_config_registry" "\${CALLER_SECRET-unset}" > env.txt`,
        ],
      },
    ]);

    const result = await run(input, {
      UNIBOX_ROOT: root,
      UNIBOX_SOURCES: sources,
      UNIBOX_PHASES: "repos stack",
      UNIBOX_NPM_CACHE: "/var/cache/unibox-npm",
      npm_config_registry: "http://127.0.0.1:9/",
      CALLER_SECRET: "must not reach the build",
    });

    expect(result.code).toBe(0);
    expect(result.markers).toEqual(["UNIBOX-BUILD-PHASE repos", "UNIBOX-BUILD-PHASE stack", `UNIBOX-BUILD-OK fingerprint=${"f".repeat(64)}`]);
    const app = join(root, "opt/unibox/apps/web");
    const read = (f: string) => readFileSync(join(app, f), "utf8");
    expect(walk(app).sort()).toEqual(["a.txt", "env.txt", "home.txt", "link", "out.txt", "path.txt", "sub", "sub/b", "tool.txt", "whoami.txt"]);
    expect([read("a.txt"), read("sub/b"), readlinkSync(join(app, "link")), read("out.txt")]).toEqual(["hello\n", "bee\n", "a.txt", "built\n"]);
    expect(read("whoami.txt")).toBe(`${BUILD_USER}\n`);
    // A fresh HOME in the run's work directory, gone with it when the script ends.
    expect(read("home.txt")).toMatch(/^\/tmp\/unibox-work\.\w+\/home\.\w+\n$/);
    expect(existsSync(join(read("home.txt"), ".."))).toBe(false);
    expect(read("path.txt").split(":")[0]).toBe(join(root, "opt/unibox/runtimes/fake/bin"));
    expect(read("tool.txt")).toBe("from the runtime\n");
    expect(read("env.txt")).toBe("/var/cache/unibox-npm|http://127.0.0.1:9/|unset");
    for (const rel of ["", ...walk(app)]) {
      const st = lstatSync(join(app, rel));
      expect([rel, st.uid, st.gid]).toEqual([rel, 0, 0]);
      if (!st.isSymbolicLink()) expect([rel, (st.mode & 0o022).toString(8)]).toEqual([rel, "0"]);
    }
    expect(readFileSync(join(root, "opt/unibox/manifest.json"), "utf8")).toBe(JSON.stringify(input.manifest, null, 2));
    expect(readFileSync(join(root, "opt/unibox/stack/roles/api.yaml"))).toEqual(readFileSync(join(input.recipe.stackRoot, "roles/api.yaml")));
    expect(lstatSync(join(root, "opt/unibox/stack/envdirs/common/TZ")).mode & 0o777).toBe(0o600);
  });

  it("clones a repo that is not staged and checks out its commit, even one behind the branch, without .git", async () => {
    const repo = fixtureRepo();
    const root = tempDir("root");
    const input = inputWith([{ name: "web", url: repo.dir, ref: "main", commit: repo.commits[0], build: [] }]);
    const result = await run(input, { UNIBOX_ROOT: root, UNIBOX_SOURCES: tempDir("sources"), UNIBOX_PHASES: "repos" });
    expect(result.code).toBe(0);
    const app = join(root, "opt/unibox/apps/web");
    expect(walk(app)).toEqual(["a.txt"]);
    expect(readFileSync(join(app, "a.txt"), "utf8")).toBe("first\n");
  });

  it("fails with the marker, phase repos, the step's exit code and the phase's last log lines when a build step fails", async () => {
    const repo = fixtureRepo();
    const root = tempDir("root");
    const sources = tempDir("sources");
    stage(sources, "web", repo.dir, repo.commits[1]);
    const input = inputWith([{ name: "web", url: "./apps/web", ref: "HEAD", commit: repo.commits[1], localPath: repo.dir, build: ["echo step one", "echo compiling; echo 'error: missing semicolon' >&2; exit 3"] }]);
    const result = await run(input, { UNIBOX_ROOT: root, UNIBOX_SOURCES: sources, UNIBOX_PHASES: "repos stack" });
    expect(result.code).toBe(3);
    expect(result.markers).toEqual(["UNIBOX-BUILD-PHASE repos", "UNIBOX-BUILD-FAILED phase=repos exit=3", "UNIBOX-LOG-BEGIN", "UNIBOX-LOG-END"]);
    expect(result.log.slice(-4)).toEqual([
      "unibox: repo web: build step 2 of 2: echo compiling; echo 'error: missing semicolon' >&2; exit 3",
      "compiling",
      "error: missing semicolon",
      "unibox: repo web: build step 2 of 2 failed (exit 3): echo compiling; echo 'error: missing semicolon' >&2; exit 3",
    ]);
    expect(existsSync(join(root, "opt/unibox/manifest.json"))).toBe(false);
  });

  it("refuses a staged archive of another commit, naming both", async () => {
    const repo = fixtureRepo();
    const sources = tempDir("sources");
    stage(sources, "web", repo.dir, repo.commits[0]);
    const input = inputWith([{ name: "web", url: "./apps/web", ref: "HEAD", commit: repo.commits[1], localPath: repo.dir, build: [] }]);
    const result = await run(input, { UNIBOX_ROOT: tempDir("root"), UNIBOX_SOURCES: sources, UNIBOX_PHASES: "repos" });
    expect(result.code).toBe(1);
    expect(result.markers[1]).toBe("UNIBOX-BUILD-FAILED phase=repos exit=1");
    expect(result.log.at(-1)).toBe(`unibox: repo web: ${sources}/web.tar is an archive of commit ${repo.commits[0]}, expected ${repo.commits[1]}: stage \`git archive ${repo.commits[1]}\``);
  });

  it("builds only the repos UNIBOX_REPOS names", async () => {
    const repo = fixtureRepo();
    const root = tempDir("root");
    const sources = tempDir("sources");
    stage(sources, "one", repo.dir, repo.commits[1]);
    const repos = ["one", "two"].map((name) => ({ name, url: `./apps/${name}`, ref: "HEAD", commit: repo.commits[1], localPath: repo.dir, build: [] }));
    const result = await run(inputWith(repos), { UNIBOX_ROOT: root, UNIBOX_SOURCES: sources, UNIBOX_PHASES: "repos", UNIBOX_REPOS: "one" });
    expect(result.code).toBe(0);
    expect(readdirSync(join(root, "opt/unibox/apps"))).toEqual(["one"]);
  });

  it("stops the running build step's whole process group on SIGTERM and reports the phase as failed", async () => {
    const repo = fixtureRepo();
    const root = tempDir("root");
    const sources = tempDir("sources");
    stage(sources, "web", repo.dir, repo.commits[1]);
    const input = inputWith([{ name: "web", url: "./apps/web", ref: "HEAD", commit: repo.commits[1], localPath: repo.dir, build: ['echo "$HOME" > home; exec sleep 30'] }]);
    const file = join(tempDir("script"), "provision.sh");
    writeFileSync(file, renderProvisionScript(input, { poweroff: false }));
    const child = execa("bash", [file], { env: { UNIBOX_ROOT: root, UNIBOX_SOURCES: sources, UNIBOX_PHASES: "repos" }, reject: false, stdin: "ignore" });
    // The step runs in PID and mount namespaces of its own: found by its working directory, from outside.
    const checkout = join(root, "opt/unibox/apps/web");
    const sleeping = () => listProcesses(["sleep"]).filter((p) => cwdOf(p.pid) === checkout);
    expect(await pollUntil(() => sleeping().length === 1, 10_000, 20)).toBe(true);
    const stepPid = sleeping()[0].pid;
    child.kill("SIGTERM");
    const result = await child;
    expect(result.exitCode).toBe(143);
    const lines = result.stdout.split("\n");
    expect(lines).toContain("UNIBOX-BUILD-FAILED phase=repos exit=143");
    expect(lines.slice(lines.indexOf("UNIBOX-LOG-BEGIN") + 1, lines.indexOf("UNIBOX-LOG-END")).at(-1)).toBe("unibox: stopped by SIGTERM");
    const alive = () => {
      try {
        process.kill(stepPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(await pollUntil(() => !alive(), 5_000, 20)).toBe(true);
    // The build user's HOME went with the run's work directory.
    expect(existsSync(join(readFileSync(join(root, "opt/unibox/apps/web/home"), "utf8").trim(), ".."))).toBe(false);
  });
});

describe("checks before any phase", () => {
  it.each([
    [{ UNIBOX_PHASES: "repos stack deploy" }, "unibox: UNIBOX_PHASES names an unknown phase 'deploy': expected some of: users packages runtimes repos stack unibox boot-hook seal"],
    [{ UNIBOX_REPOS: "api wroker" }, "unibox: UNIBOX_REPOS names an unknown repo 'wroker': this image's repos are: api"],
    [{ UNIBOX_ROOT: "relative/root" }, "unibox: UNIBOX_ROOT must be an absolute path, found 'relative/root'"],
    [{ UNIBOX_PHASES: "packages" }, "unibox: the packages phase installs into the running system: it needs UNIBOX_ROOT=/ (found <root>); run it inside the root (chroot)"],
  ])("fails as phase init on %o, saying why", async (env, message) => {
    const root = tempDir("root");
    const result = await run(buildInputFixture(), { UNIBOX_ROOT: root, UNIBOX_PHASES: "stack", ...env });
    expect(result.code).toBe(1);
    expect(result.markers).toEqual(["UNIBOX-BUILD-FAILED phase=init exit=1", "UNIBOX-LOG-BEGIN", "UNIBOX-LOG-END"]);
    expect(result.log).toEqual([message.replace("<root>", root)]);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe("UNIBOX_PHASES", () => {
  it("runs every phase for `all`: here the packages phase refuses a root that is not /", async () => {
    const root = tempDir("root");
    const result = await run(buildInputFixture(), { UNIBOX_ROOT: root, UNIBOX_PHASES: "all" });
    expect(result.markers[0]).toBe("UNIBOX-BUILD-FAILED phase=init exit=1");
    expect(result.log).toEqual([`unibox: the packages phase installs into the running system: it needs UNIBOX_ROOT=/ (found ${root}); run it inside the root (chroot)`]);
  });

  it("runs no phase when set but empty, and reports success with no tree digest", async () => {
    const root = tempDir("root");
    const result = await run(buildInputFixture(), { UNIBOX_ROOT: root, UNIBOX_PHASES: "" });
    expect([result.code, result.markers]).toEqual([0, [`UNIBOX-BUILD-OK fingerprint=${"f".repeat(64)}`]]);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe("phase users", () => {
  it("creates the missing users as system users with their own group in UNIBOX_ROOT's /etc, leaving existing ones as they are", async () => {
    const root = tempDir("root");
    mkdirSync(join(root, "etc"));
    for (const f of ["passwd", "group", "shadow", "gshadow"]) execFileSync("cp", ["-p", `/etc/${f}`, join(root, "etc", f)]);
    const hostPasswd = readFileSync("/etc/passwd", "utf8");
    const input = buildInputFixture({ recipe: { serviceUsers: ["www-data", "ub-test-svc"] } });
    const result = await run(input, { UNIBOX_ROOT: root, UNIBOX_PHASES: "users" });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("unibox: user www-data exists: left as it is");
    const passwd = readFileSync(join(root, "etc/passwd"), "utf8").split("\n");
    const before = hostPasswd.split("\n");
    // Every line that was there is there unchanged; one line more.
    expect(passwd.filter((l) => !l.startsWith("ub-test-svc:"))).toEqual(before);
    const [, uid, gid] = /^ub-test-svc:x:(\d+):(\d+)::\/nonexistent:\/usr\/sbin\/nologin$/.exec(passwd.find((l) => l.startsWith("ub-test-svc:"))!)!;
    expect(Number(uid)).toBeLessThan(1000);
    expect(readFileSync(join(root, "etc/group"), "utf8").split("\n")).toContain(`ub-test-svc:x:${gid}:`);
    expect(readFileSync("/etc/passwd", "utf8")).toBe(hostPasswd);

    // Run again: nothing changes.
    const again = await run(input, { UNIBOX_ROOT: root, UNIBOX_PHASES: "users" });
    expect(again.stdout).toContain("unibox: user ub-test-svc exists: left as it is");
    expect(readFileSync(join(root, "etc/passwd"), "utf8").split("\n")).toEqual(passwd);
  });
});

describe("phase unibox", () => {
  it("installs the staged unibox with npm ci and writes the unibox command", async () => {
    const root = tempDir("root");
    const sources = tempDir("sources");
    const pkg = tempDir("unibox-src");
    mkdirSync(join(pkg, "bin"));
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "unibox", version: "9.9.9", bin: { unibox: "bin/unibox.js" } }, null, 2));
    writeFileSync(join(pkg, "package-lock.json"), JSON.stringify({ name: "unibox", version: "9.9.9", lockfileVersion: 3, requires: true, packages: { "": { name: "unibox", version: "9.9.9" } } }, null, 2));
    writeFileSync(join(pkg, "bin/unibox.js"), "console.log('unibox')\n");
    execFileSync("tar", ["-cf", join(sources, "unibox.tar"), "package.json", "package-lock.json", "bin"], { cwd: pkg });
    const result = await run(buildInputFixture(), { UNIBOX_ROOT: root, UNIBOX_SOURCES: sources, UNIBOX_PHASES: "unibox", npm_config_update_notifier: "false", PATH: process.env.PATH! });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`unibox: unibox 9.9.9 in ${root}/opt/unibox/unibox`);
    expect(readFileSync(join(root, "opt/unibox/unibox/bin/unibox.js"), "utf8")).toBe("console.log('unibox')\n");
    const wrapper = join(root, "opt/unibox/bin/unibox");
    expect(lstatSync(wrapper).mode & 0o7777).toBe(0o755);
    expect(readFileSync(wrapper, "utf8").split("\n").filter((l) => l.trimStart().startsWith("exec "))).toEqual([
      '  exec /opt/unibox/runtimes/node/bin/node /opt/unibox/unibox/bin/unibox.js "$@"',
      'exec node /opt/unibox/unibox/bin/unibox.js "$@"',
    ]);
  });

  it("fails naming what the target must stage when unibox.tar is missing", async () => {
    const sources = tempDir("sources");
    const result = await run(buildInputFixture(), { UNIBOX_ROOT: tempDir("root"), UNIBOX_SOURCES: sources, UNIBOX_PHASES: "unibox" });
    expect(result.markers).toContain("UNIBOX-BUILD-FAILED phase=unibox exit=1");
    expect(result.log.at(-1)).toMatch(new RegExp(`^unibox: ${sources}/unibox.tar is missing and the build named no unibox package: stage unibox there`));
  });
});

describe("phase boot-hook", () => {
  it("writes the unit after runit's, enabled by its multi-user.target.wants link, and the runsvdir wait it runs first", async () => {
    const root = tempDir("root");
    mkdirSync(join(root, "lib/systemd/system"), { recursive: true });
    writeFileSync(join(root, "lib/systemd/system/runit.service"), "[Service]\nExecStart=/etc/runit/2\n");
    const result = await run(buildInputFixture(), { UNIBOX_ROOT: root, UNIBOX_PHASES: "boot-hook" });
    expect(result.code).toBe(0);
    const unit = readFileSync(join(root, "etc/systemd/system/unibox-boot.service"), "utf8");
    expect(unit.split("\n").filter((l) => /^[A-Za-z]+=/.test(l))).toEqual([
      "Description=unibox boot: run what this instance's tags say",
      "Requires=runit.service",
      "After=runit.service network-online.target",
      "Wants=network-online.target",
      "Type=oneshot",
      "RemainAfterExit=yes",
      "ExecStartPre=/opt/unibox/bin/wait-for-runsvdir",
      "ExecStartPre=-/bin/sh -c '[ -e /etc/ssl/private/ssl-cert-snakeoil.key ] || [ ! -x /usr/sbin/make-ssl-cert ] || /usr/sbin/make-ssl-cert generate-default-snakeoil'",
      "ExecStart=/opt/unibox/bin/unibox boot --root /opt/unibox/stack",
      "WantedBy=multi-user.target",
    ]);
    expect(readlinkSync(join(root, "etc/systemd/system/multi-user.target.wants/unibox-boot.service"))).toBe("/etc/systemd/system/unibox-boot.service");
    expect(lstatSync(join(root, "opt/unibox/bin/wait-for-runsvdir")).mode & 0o7777).toBe(0o755);
  });

  it("refuses a root without runit.service, naming the package that has it", async () => {
    const result = await run(buildInputFixture(), { UNIBOX_ROOT: tempDir("root"), UNIBOX_PHASES: "boot-hook" });
    expect(result.markers).toContain("UNIBOX-BUILD-FAILED phase=boot-hook exit=1");
    expect(result.log.at(-1)).toMatch(/^unibox: runit\.service is not installed under .*: install runit-run \(runit only recommends it/);
  });

  it("lets the unit start once a runsvdir runs on /etc/service", async () => {
    const root = tempDir("root");
    mkdirSync(join(root, "lib/systemd/system"), { recursive: true });
    writeFileSync(join(root, "lib/systemd/system/runit.service"), "");
    expect((await run(buildInputFixture(), { UNIBOX_ROOT: root, UNIBOX_PHASES: "boot-hook" })).code).toBe(0);
    // A stand-in: the kernel names a script's process after the script's file, and keeps its arguments.
    const fake = join(tempDir("fake"), "runsvdir");
    writeFileSync(fake, "#!/bin/sh\nread line\n", { mode: 0o755 });
    const runsvdir = execa(fake, ["-P", "/etc/service", "log: ..."], { stdin: "pipe", reject: false });
    try {
      const wait = await execa(join(root, "opt/unibox/bin/wait-for-runsvdir"), { reject: false, timeout: 10_000 });
      expect([wait.exitCode, wait.stderr]).toEqual([0, ""]);
    } finally {
      runsvdir.kill("SIGTERM");
      await runsvdir;
    }
  });
});

describe("phase seal", () => {
  it("removes machine ids, cloud-init state, host keys, the snakeoil key, shell history, apt lists and the staged sources, and prints the tree digest", async () => {
    const root = tempDir("root");
    const put = (rel: string, contents: string, mode = 0o644) => {
      mkdirSync(join(root, rel, ".."), { recursive: true });
      writeFileSync(join(root, rel), contents, { mode });
    };
    put("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
    put("var/lib/dbus/machine-id", "0123456789abcdef0123456789abcdef\n");
    put("var/lib/cloud/instances/i-0abc/user-data.txt", "#!/bin/bash\n");
    symlinkSync("/var/lib/cloud/instances/i-0abc", join(root, "var/lib/cloud/instance"));
    put("etc/ssh/ssh_host_ed25519_key", "-----BEGIN OPENSSH PRIVATE KEY-----\n", 0o600);
    put("etc/ssh/ssh_host_ed25519_key.pub", "ssh-ed25519 AAAA\n");
    put("etc/ssh/sshd_config", "PermitRootLogin no\n");
    put("root/.bash_history", "aws configure\n", 0o600);
    put("home/admin/.bash_history", "sudo -i\n", 0o600);
    put("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", "x");
    put("etc/ssl/private/ssl-cert-snakeoil.key", "-----BEGIN PRIVATE KEY-----\n", 0o600);
    put("etc/ssl/certs/ssl-cert-snakeoil.pem", "-----BEGIN CERTIFICATE-----\n");
    put("var/tmp/unibox-sources/api.tar", "staged");
    // The tree: "a" < "a-b" < "a/b" bytewise (not directory by directory), a symlink, modes kept.
    put("opt/unibox/a/b", "bee\n", 0o600);
    chmodSync(join(root, "opt/unibox/a"), 0o750);
    put("opt/unibox/a-b", "x", 0o755);
    symlinkSync("a/b", join(root, "opt/unibox/l"));

    const result = await run(buildInputFixture(), { UNIBOX_ROOT: root, UNIBOX_PHASES: "seal", UNIBOX_SOURCES: join(root, "var/tmp/unibox-sources") });

    const lines =
      `d 0750 - a\n` +
      `f 0755 ${sha256("x")} a-b\n` +
      `f 0600 ${sha256("bee\n")} a/b\n` +
      `l 0777 ${sha256("a/b")} l\n`;
    expect(result.markers).toEqual(["UNIBOX-BUILD-PHASE seal", `UNIBOX-BUILD-OK fingerprint=${"f".repeat(64)} tree=sha256:${sha256(lines)}`]);
    expect(readFileSync(join(root, "etc/machine-id"), "utf8")).toBe("");
    expect(walk(root).filter((p) => p !== "opt" && !p.startsWith("opt/")).sort()).toEqual([
      "etc",
      "etc/machine-id",
      "etc/ssh",
      "etc/ssh/sshd_config",
      "etc/ssl",
      "etc/ssl/certs",
      "etc/ssl/private",
      "home",
      "home/admin",
      "root",
      "var",
      "var/lib",
      "var/lib/apt",
      "var/lib/apt/lists",
      "var/lib/cloud",
      "var/lib/dbus",
      "var/tmp",
    ]);
  });

  it("refuses to digest a tree holding a FIFO, naming it", async () => {
    const root = tempDir("root");
    mkdirSync(join(root, "opt/unibox/apps"), { recursive: true });
    execFileSync("mkfifo", [join(root, "opt/unibox/apps/pipe")]);
    const result = await run(buildInputFixture(), { UNIBOX_ROOT: root, UNIBOX_PHASES: "seal" });
    expect(result.code).toBe(1);
    expect(result.markers).toContain("UNIBOX-BUILD-FAILED phase=seal exit=1");
    expect(result.log.at(-1)).toBe(
      `unibox: cannot digest ${root}/opt/unibox: apps/pipe (p) is not a file, a directory or a symlink (p FIFO, s socket, b/c device): remove it before the image is sealed`,
    );
  });
});

describe("build steps that leave something running", () => {
  it("kills what a build step left in the background when the step ends, before the checkout becomes root's", async () => {
    const repo = fixtureRepo();
    const root = tempDir("root");
    const sources = tempDir("sources");
    stage(sources, "web", repo.dir, repo.commits[1]);
    // A daemon that would write into the checkout after the build (the file, opened now, is root's then).
    const input = inputWith([{ name: "web", url: "./apps/web", ref: "HEAD", commit: repo.commits[1], localPath: repo.dir, build: ['nohup sh -c "exec 3>>a.txt; touch started; sleep 30; echo EVIL >&3" >/dev/null 2>&1 & sleep 0.5'] }]);
    const result = await run(input, { UNIBOX_ROOT: root, UNIBOX_SOURCES: sources, UNIBOX_PHASES: "repos" });
    expect(result.code, result.stdout).toBe(0);
    const checkout = join(root, "opt/unibox/apps/web");
    expect(existsSync(join(checkout, "started"))).toBe(true);
    const left = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`) === checkout && !readFileSync(`/proc/${p}/stat`, "utf8").includes(") Z ");
      } catch {
        return false;
      }
    });
    expect(left).toEqual([]);
  });
});
