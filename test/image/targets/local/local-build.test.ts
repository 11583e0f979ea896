// The local target for real: a stack in a git work tree is baked into the store, reused, rebuilt one repo at a
// time, verified, refused when it holds a secret or a step fails, cancelled, killed, and booted from.
import { spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyStatement } from "../../../../src/image/provenance.js";
import { treeDigest } from "../../../../src/image/tree-digest.js";
import { listProcesses } from "../../../../src/runtime/processes.js";
import { runCli, runJson } from "../../../helpers/cli.js";
import { commitAll, initRepo } from "../../../helpers/git-repo.js";

const major = process.versions.node.split(".")[0];
const bin = fileURLToPath(new URL("../../../../bin/unibox.js", import.meta.url));
let root: string;
let store: string;

const IMAGE = (workerBuild: string, extra = "") =>
  `base: host\nruntimes:\n  node: "${major}"\nrepos:\n  - name: web\n    url: ./apps/web\n    build: ["node -e \\"require('fs').writeFileSync('built.txt', 'built by ' + process.version)\\""]\n  - name: worker\n    url: ./apps/worker\n    build: [${JSON.stringify(workerBuild)}]\n${extra}`;

function write(rel: string, text: string) {
  mkdirSync(join(root, rel, ".."), { recursive: true });
  writeFileSync(join(root, rel), text);
}

const build = (...args: string[]) => runCli(["image", "build", "--root", root, "--store", store, ...args]);
const buildJson = (...args: string[]) => runJson(["image", "build", "--root", root, "--store", store, ...args]);
const images = () => readdirSync(join(store, "images"));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "unibox-local-image-"));
  chmodSync(root, 0o755);
  store = join(root, ".unibox");
  write(".gitignore", ".unibox/\n");
  write("image/image.yaml", IMAGE("echo worker > built.txt"));
  write("roles/web.yaml", "repo: web\ncommand: node server.js\nport: 3000\nhealth: { http: /health, expect: ok }\n");
  write("roles/worker.yaml", "repo: worker\ncommand: sleep 100000\n");
  write(
    "apps/web/server.js",
    "const fs = require('fs');\nrequire('http').createServer((q, s) => s.end(q.url === '/health' ? 'ok' : JSON.stringify({ built: fs.readFileSync('built.txt', 'utf8'), node: process.execPath, path: process.env.PATH, cwd: process.cwd() }))).listen(process.env.PORT, '127.0.0.1');\n",
  );
  write("apps/worker/README", "the worker\n");
  initRepo(root);
});

afterAll(async () => {
  // Build steps of killed builds may still run: stop them by pid (their working directory is in the store).
  for (const p of listProcesses()) {
    try {
      if (cwdIn(p.pid, store)) process.kill(p.pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  const { removeTree } = await import("../../../../src/image/tree-ops.js");
  await removeTree(root);
});

describe("the local image target", () => {
  let first: { id: string; fingerprint: string; repos: Record<string, string>; reused: boolean };

  it("shows the steps, fingerprint and what it would create on --dry-run, and creates nothing", async () => {
    const dry = await buildJson("--dry-run");
    expect(dry.dryRun).toBe(true);
    expect(dry.steps.map((s: { name: string }) => s.name)).toEqual(["prepare", "stage-sources", "create-users", "check-packages", "place-runtimes", "build", "write-stack", "scan-secrets", "seal"]);
    expect(dry.resources.map((r: { kind: string }) => r.kind)).toEqual(["directory", "repo-cache", "repo-cache", "unibox-cache"]);
    expect(existsSync(join(store, "images")) ? images() : []).toEqual([]);
  });

  it("bakes every repo at its commit, built as the build user, sealed read-only, with its manifest and provenance", async () => {
    first = await buildJson();
    expect(first.reused).toBe(false);
    expect(first.id).toBe(`img-${first.fingerprint.slice(0, 12)}`);
    const head = commitAll(root, "nothing new");
    expect(first.repos).toEqual({ web: expect.stringMatching(/^[0-9a-f]{40}$/), worker: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    const dir = join(store, "images", first.id);
    const opt = join(dir, "tree/opt/unibox");
    expect(readFileSync(join(opt, "apps/web/built.txt"), "utf8")).toBe(`built by v${process.versions.node}`);
    expect(readFileSync(join(opt, "apps/worker/built.txt"), "utf8")).toBe("worker\n");
    const st = statSync(join(opt, "apps/web/server.js"));
    expect([st.uid, st.mode & 0o222]).toEqual([0, 0]);
    expect(statSync(join(opt, "apps")).mode & 0o222).toBe(0);
    expect(existsSync(join(opt, "runtimes/node/bin/node"))).toBe(true);
    expect(existsSync(join(opt, "stack/roles/web.yaml"))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(opt, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ id: first.id, fingerprint: first.fingerprint, target: "local", repos: { web: { commit: first.repos.web, ref: "HEAD" } }, runtimes: { node: { version: process.versions.node } } });
    const statement = JSON.parse(readFileSync(join(dir, "provenance.intoto.json"), "utf8"));
    expect(verifyStatement(statement, treeDigest(opt)).ok).toBe(true);
    const verified = await runJson(["image", "verify", first.id, "--root", root, "--store", store]);
    expect(verified).toEqual({ id: first.id, ok: true, digest: treeDigest(opt) });
  }, 120_000);

  it("reuses the image when nothing changed, creating nothing", async () => {
    const before = images();
    const again = await buildJson();
    expect(again).toMatchObject({ id: first.id, fingerprint: first.fingerprint, reused: true });
    expect(images()).toEqual(before);
  });

  it("rebuilds only the repo that changed; the other comes from the cache as hard links", async () => {
    write("apps/worker/README", "the worker, changed\n");
    commitAll(root, "worker changed");
    const second = await buildJson();
    expect(second.reused).toBe(false);
    expect(second.id).not.toBe(first.id);
    expect(second.repoBuilds).toEqual({ web: { built: false, ms: expect.any(Number) }, worker: { built: true, ms: expect.any(Number) } });
    const inode = (id: string) => statSync(join(store, "images", id, "tree/opt/unibox/apps/web/server.js")).ino;
    expect(inode(second.id)).toBe(inode(first.id));
    const ls = await runJson(["image", "ls", "--root", root, "--store", store]);
    expect(ls.images.map((i: { id: string }) => i.id)).toEqual([second.id, first.id]);
    first = second;
  }, 60_000);

  it("refuses to link a cached build that was changed after it was sealed", async () => {
    const cached = join(store, "cache/repos", readdirSync(join(store, "cache/repos")).find((n) => n.startsWith("web-"))!);
    chownSync(join(cached, "server.js"), 65534, 65534);
    write("roles/worker.yaml", "repo: worker\ncommand: sleep 200000\n");
    try {
      const r = await build();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`the cached build ${cached} was changed after it was sealed: ${join(cached, "server.js")} is not root's read-only file`);
    } finally {
      chownSync(join(cached, "server.js"), 0, 0);
      write("roles/worker.yaml", "repo: worker\ncommand: sleep 100000\n");
    }
  }, 60_000);

  it("boots a box from the image: the baked checkout and runtime, not the working tree", async () => {
    write("apps/web/server.js", "this working-tree change is not committed and must not run\n");
    const prefix = mkdtempSync(join(tmpdir(), "unibox-image-box-"));
    chmodSync(prefix, 0o755);
    const tags = join(prefix, "..", `${prefix.split("/").pop()}.json`);
    writeFileSync(tags, JSON.stringify({ "unibox:mode": "review", "unibox:box": "img" }));
    try {
      const boot = await runCli(["boot", "--image", first.id, "--root", root, "--store", store, "--prefix", prefix, "--tags-file", tags, "--port-offset", "23000", "--status-port", "0", "--wait", "30"]);
      expect(boot.code, boot.stderr).toBe(0);
      const opt = join(store, "images", first.id, "tree/opt/unibox");
      const answer = (await (await fetch("http://127.0.0.1:26000/")).json()) as { built: string; node: string; path: string; cwd: string };
      expect(answer.built).toBe(`built by v${process.versions.node}`);
      expect(answer.cwd).toBe(join(opt, "apps/web"));
      expect(answer.node).toBe(join(opt, "runtimes/node/bin/node"));
      expect(answer.path.split(":")[0]).toBe(join(prefix, "opt/unibox/runtimes/node/bin"));
      expect(lstatSync(join(prefix, "opt/unibox")).isSymbolicLink()).toBe(true);
    } finally {
      await runCli(["down", "--reset", "--prefix", prefix]);
      rmSync(prefix, { recursive: true, force: true });
      rmSync(tags, { force: true });
    }
  }, 60_000);

  it("refuses to boot an image over a /opt/unibox that is not a link to one", async () => {
    const prefix = mkdtempSync(join(tmpdir(), "unibox-image-box-"));
    try {
      mkdirSync(join(prefix, "opt/unibox"), { recursive: true });
      const r = await runCli(["boot", "--image", first.id, "--root", root, "--store", store, "--prefix", prefix, "--tag", "unibox:mode=review", "--tag", "unibox:box=x"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${join(prefix, "opt/unibox")} exists and is not a link to an image`);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("names the file that differs when an image's tree no longer matches its provenance", async () => {
    const apps = join(store, "images", first.id, "tree/opt/unibox/apps/worker");
    chmodSync(apps, 0o755);
    writeFileSync(join(apps, "planted.sh"), "echo hi\n");
    const r = await runCli(["image", "verify", first.id, "--root", root, "--store", store]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${first.id} does not match its provenance statement`);
    expect(r.stderr).toContain("added:   opt/unibox/apps/worker/planted.sh");
    rmSync(join(apps, "planted.sh"));
    chmodSync(apps, 0o555);
  });

  it("stops at the secret scan naming each file, and leaves no image behind", async () => {
    // Made at run time: this repo holds no key-shaped text for scanners (ours included) to trip on.
    const keyId = ["AKIA", "QWERTYUIOPASDFGH"].join("");
    write("apps/worker/.aws/credentials", `[default]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${"q1w2e3r4t5".repeat(4)}\n`);
    commitAll(root, "oops, a credential");
    const before = images();
    const r = await build();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("build failed at step scan-secrets");
    expect(r.stderr).toContain("/opt/unibox/apps/worker/.aws/credentials");
    expect(images()).toEqual(before);
    rmSync(join(root, "apps/worker/.aws"), { recursive: true });
    commitAll(root, "credential removed");
  }, 60_000);

  it("fails at build-repos with the failing step's output when a build step fails, and leaves nothing behind", async () => {
    write("image/image.yaml", IMAGE("echo the compiler broke >&2; exit 3"));
    const before = images();
    const r = await build();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("build failed at step build (build each repo at its commit, and install unibox, side by side): build-repos: provisioning phase repos failed (exit 3)");
    expect(r.stderr).toContain("the compiler broke");
    expect(images()).toEqual(before);
    expect(readdirSync(join(store, "cache/repos")).filter((n) => n.startsWith("."))).toEqual([]);
  }, 60_000);

  it("refuses a checkout holding a symlink out of it, and seals away a setgid bit a build step set", async () => {
    write("image/image.yaml", IMAGE("ln -s /etc/hostname host-name"));
    const r = await build();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/host-name is a symlink to \/etc\/hostname, outside the checkout/);
    expect(readdirSync(join(store, "images")).filter((n) => n.startsWith("."))).toEqual([]);
    write("image/image.yaml", IMAGE("mkdir shared && chmod 2775 shared && echo worker > built.txt"));
    const ok = await buildJson();
    const st = statSync(join(store, "images", ok.id, "tree/opt/unibox/apps/worker/shared"));
    expect(st.mode & 0o7777).toBe(0o555);
  }, 60_000);

  it("cancels on SIGTERM, unwinding every cleanup: no half image, no build step left running", async () => {
    write("image/image.yaml", IMAGE("sleep 30"));
    const before = images();
    const { child, stderr } = await buildUntilWorkerBuilds();
    await expect.poll(() => listProcesses(["sleep"]).some((p) => cwdIn(p.pid, store)), { timeout: 10_000, interval: 50 }).toBe(true);
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code).toBe(1);
    expect(stderr()).toContain("SIGTERM: cancelling");
    expect(stderr()).toContain("build cancelled at step build (");
    expect(images()).toEqual(before);
    expect(listProcesses(["sleep"]).filter((p) => cwdIn(p.pid, store))).toEqual([]);
  }, 60_000);

  it("leaves nothing a later build shows or reuses when killed with SIGKILL; the next build removes the leftovers", async () => {
    // 30 s: the step must end because unibox died (the script gets TERM through PR_SET_PDEATHSIG), not on its own.
    write("image/image.yaml", IMAGE("sleep 30"));
    const before = images();
    const { child } = await buildUntilWorkerBuilds();
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    // Nothing of the killed build runs on: its script got TERM when unibox died and stopped its phase, whole.
    await expect.poll(() => listProcesses().filter((p) => cwdIn(p.pid, store)).length, { timeout: 10_000, interval: 100 }).toBe(0);
    const leftovers = readdirSync(join(store, "images")).filter((n) => n.startsWith(".building-"));
    expect(leftovers).toHaveLength(1);
    const ls = await runJson(["image", "ls", "--root", root, "--store", store]);
    expect(ls.images.map((i: { id: string }) => i.id).sort()).toEqual(before.filter((n) => !n.startsWith(".")).sort());
    const janitor = await buildJson("--cleanup-orphans", "--dry-run");
    expect(janitor.deleted).toEqual(expect.arrayContaining([{ kind: "directory", name: join(store, "images", leftovers[0]) }]));
    expect(readdirSync(join(store, "images")).filter((n) => n.startsWith(".building-"))).toEqual(leftovers);
    write("image/image.yaml", IMAGE("echo worker > built.txt"));
    const r = await build();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("left by a build that was killed");
    expect(readdirSync(join(store, "images")).filter((n) => n.startsWith(".")), r.stderr).toEqual([]);
  }, 60_000);
});

// `unibox image build` as its own process, returned once the worker's build step runs; stderr as read so far.
async function buildUntilWorkerBuilds() {
  const child = spawn(process.execPath, [bin, "image", "build", "--root", root, "--store", store], { stdio: ["ignore", "ignore", "pipe"] });
  let text = "";
  child.stderr.on("data", (d) => (text += d));
  await expect.poll(() => text, { timeout: 30_000, interval: 50 }).toContain("worker: building");
  return { child, stderr: () => text };
}

function cwdIn(pid: number, dir: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
  } catch {
    return false;
  }
}
