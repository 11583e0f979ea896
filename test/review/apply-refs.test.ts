// A review box booted from an image (as an EC2 instance from its AMI) applies its `unibox:ref.<repo>` tags at boot:
// that repo is built at that ref through the box's own cache, every other repo is taken from the baked tree
// without building it again, and a second boot with the same tags builds and restarts nothing.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runJson } from "../helpers/cli.js";
import { commitAll, git, initRepo } from "../helpers/git-repo.js";

const major = process.versions.node.split(".")[0];
let dir: string;
let prefix: string;

function write(root: string, rel: string, text: string) {
  mkdirSync(join(root, rel, ".."), { recursive: true });
  writeFileSync(join(root, rel), text);
}

/** A bare repository served by file:// URL (what a box clones from), with `main` and `feature`. */
function remote(name: string, files: Record<string, string>, feature: Record<string, string>): string {
  const work = join(dir, `${name}-work`);
  for (const [rel, text] of Object.entries(files)) write(work, rel, text);
  initRepo(work);
  git(work, "checkout", "-q", "-b", "feature");
  for (const [rel, text] of Object.entries(feature)) write(work, rel, text);
  commitAll(work, "feature");
  const bare = join(dir, `${name}.git`);
  execFileSync("git", ["clone", "-q", "--bare", work, bare]);
  return `file://${bare}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "unibox-refs-"));
  chmodSync(dir, 0o755);
  const app = remote("app", { "server.js": "require('http').createServer((q, s) => s.end(q.url === '/health' ? 'ok' : require('fs').readFileSync('VERSION', 'utf8').trim())).listen(process.env.PORT, '127.0.0.1');\n", VERSION: "v1\n" }, { VERSION: "v2\n" });
  const other = remote("other", { README: "other\n" }, { README: "other on feature\n" });
  const stack = join(dir, "stack");
  write(stack, "image/image.yaml", `base: host\nruntimes:\n  node: "${major}"\nrepos:\n  - name: app\n    url: ${app}\n    ref: main\n    build: ["true"]\n  - name: other\n    url: ${other}\n    ref: main\n    build: ["node -e \\"require('fs').writeFileSync('marker', String(Math.random()))\\""]\n`);
  write(stack, "roles/app.yaml", "repo: app\ncommand: node server.js\nport: 3000\nhealth: { http: /health, expect: ok }\n");
  write(stack, "roles/other.yaml", "repo: other\ncommand: sleep 100000\n");
  initRepo(stack);
  const image = await runJson(["image", "build", "--root", stack, "--store", join(dir, "store")]);
  // The instance from the AMI: the image's tree is the box's /opt/unibox, a real directory.
  prefix = join(dir, "box");
  mkdirSync(prefix, { mode: 0o755 });
  execFileSync("cp", ["-a", join(dir, "store/images", image.id, "tree/opt"), join(prefix, "opt")]);
}, 120_000);

afterAll(async () => {
  await runCli(["down", "--reset", "--prefix", prefix]);
  const { removeTree } = await import("../../src/image/tree-ops.js");
  await removeTree(dir);
}, 60_000);

const TAGS = ["--tag", "unibox:mode=review", "--tag", "unibox:box=qa", "--tag", "unibox:ref.app=feature"];
const boot = () => runCli(["boot", "--root", join(prefix, "opt/unibox/stack"), "--prefix", prefix, ...TAGS, "--port-offset", "22000", "--wait", "60", "--json"]);

describe("unibox:ref.* tags on a box booted from an image", () => {
  it("runs the repo at the tagged ref, and the other repos as baked, not built again", async () => {
    const r = await boot();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/unibox:ref\.\* applied: app@feature \([0-9a-f]{12}\): built img-/);
    expect(await (await fetch("http://127.0.0.1:25000/")).text()).toBe("v2");
    const store = join(prefix, "var/lib/unibox-store");
    const [derived] = readdirSync(join(store, "images")).filter((n) => n.startsWith("img-"));
    const opt = join(store, "images", derived, "tree/opt/unibox");
    expect(readFileSync(join(opt, "apps/other/marker"), "utf8")).toBe(readFileSync(join(prefix, "opt/unibox/apps/other/marker"), "utf8"));
    expect(readFileSync(join(opt, "apps/other/README"), "utf8")).toBe("other\n");
    expect(JSON.parse(readFileSync(join(opt, "manifest.json"), "utf8")).repos.app.commit).toBe(git(join(dir, "app-work"), "rev-parse", "feature"));
    // The box says what it runs: what promote records as reviewed.
    const health = await (await fetch("http://127.0.0.1:31100/health")).json();
    expect(health.repos).toEqual({ app: git(join(dir, "app-work"), "rev-parse", "feature"), other: git(join(dir, "other-work"), "rev-parse", "main") });
  }, 120_000);

  it("builds and restarts nothing on a second boot with the same tags", async () => {
    const r = await boot();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/: reused img-/);
    const report = JSON.parse(r.stdout);
    expect(report.added).toEqual([]);
    expect(report.changed).toEqual([]);
  }, 60_000);

  it("refuses ref tags on a development boot, starting nothing", async () => {
    const r = await runCli(["boot", "--root", join(dir, "stack"), "--prefix", join(dir, "dev"), ...TAGS]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/need a box booted from an image/);
  });
});
