// Red team, second pass: the box's own env layer (`--env-dir`), which root reads and hands to every service, and
// the image store a box with `unibox:ref.*` tags builds into. Each test is a hole found by attacking the CLI as it
// is; each should pass once the hole is closed. Root is needed to own files as another user (this runs as root).
import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadPlan } from "../../src/plan/load-plan.js";
import { resolveEnv } from "../../src/plan/env.js";
import { runCli } from "../helpers/cli.js";
import { writeStack } from "../helpers/stack-dir.js";

const asRoot = process.getuid?.() === 0;
/** uid/gid of `nobody`: a service user, for what such a user would own. */
const NOBODY = 65534;
const TAGS = ["--tag", "unibox:mode=review", "--tag", "unibox:box=rt"];

const dirs: string[] = [];
function tempDir(mode = 0o755): string {
  const d = mkdtempSync(join(tmpdir(), "unibox-rt2-"));
  chmodSync(d, mode);
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const stack = () => writeStack({ "image/image.yaml": "base: host\n", "roles/app.yaml": "command: sleep 100000\n" }, "empty");
const env = (root: string, envDir: string) => runCli(["env", "app.main.0", "--root", root, ...TAGS, "--env-dir", envDir, "--json"]);
const plan = (root: string, envDir: string) => runCli(["plan", "--root", root, ...TAGS, "--env-dir", envDir, "--json"]);

describe.skipIf(!asRoot)("--env-dir: the box's own env layer, read by root", () => {
  it("refuses an env dir a service user owns: that user could swap its root-owned files for links to root's secrets", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "GREETING"), "hello\n", { mode: 0o600 });
    chownSync(dir, NOBODY, NOBODY);
    const r = await env(stack(), dir);
    expect(r.code, r.stdout).toBe(2);
    expect(r.stderr).toMatch(/owned by uid 65534|belongs to uid 65534/);
  });

  it("refuses an env dir below a directory a service user owns: that user can rename the env dir and put another in its place", async () => {
    const parent = tempDir();
    chownSync(parent, NOBODY, NOBODY);
    const dir = join(parent, "env");
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, "GREETING"), "hello\n", { mode: 0o600 });
    const r = await env(stack(), dir);
    expect(r.code, r.stdout).toBe(2);
  });

  it("refuses a file with other hard links (a link to /etc/shadow is a root-owned regular file, no symlink), and prints none of it", async () => {
    const dir = tempDir(0o700);
    const secret = join(tempDir(0o700), "shadow");
    writeFileSync(secret, "root:$6$hash-of-root:19000:0:99999:7:::\n", { mode: 0o600 });
    linkSync(secret, join(dir, "SHADOW"));
    const r = await env(stack(), dir);
    expect(r.stdout).not.toContain("hash-of-root");
    expect(r.code).toBe(2);
  });

  it("never hands a service what a file swapped for a symlink after the check points to (the value is read once, not followed)", async () => {
    const dir = tempDir(0o700);
    const secretDir = tempDir(0o700);
    writeFileSync(join(secretDir, "key"), "TOPSECRET\n", { mode: 0o600 });
    writeFileSync(join(dir, "GREETING"), "hello\n", { mode: 0o600 });
    const root = stack();
    const { plan: p } = await loadPlan(
      { root, identity: { tagFlags: [["unibox:mode", "review"], ["unibox:box", "rt"]], tagWaitMs: 0 }, portOffset: 0, envDir: dir },
      { stateRoot: join(dir, "state"), appsDir: join(dir, "apps"), fromImage: false, runtimeBins: [] },
    );
    // What a user who can write the directory does between boot's check and boot's read (won 9 in 40 tries via the CLI).
    symlinkSync(join(secretDir, "key"), join(dir, ".swap"));
    renameSync(join(dir, ".swap"), join(dir, "GREETING"));
    let seen: string | undefined;
    try {
      seen = resolveEnv(p, p.instances[0]).GREETING?.value;
    } catch {
      seen = undefined; // refusing at the read is as good as using the value read at the check
    }
    expect(seen).not.toBe("TOPSECRET");
  });

  it("refuses values that together exceed what exec carries, rather than letting every instance crash-loop on E2BIG", async () => {
    const dir = tempDir(0o700);
    // Each value fits the per-string limit (MAX_ARG_STRLEN); 20 of them do not fit ARG_MAX (2 MiB by default).
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, `V${i}`), `${"a".repeat(120_000)}\n`, { mode: 0o600 });
    const r = await plan(stack(), dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/too long|too large|argument list|ARG_MAX/i);
  });

  it("reports a template error in the env dir when planning (exit 2), as it does for envdirs/, not first at boot", async () => {
    const dir = tempDir(0o700);
    writeFileSync(join(dir, "URL.hbs"), "postgres://{{nope}}/app\n", { mode: 0o600 });
    const r = await plan(stack(), dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown name "nope"/);
  });
});

describe("the store a box's refs build into", () => {
  it("is never a service's state directory (a role named `store` would otherwise be given it)", async () => {
    const { refsStoreRoot } = await import("../../src/review/apply-refs.js");
    const root = writeStack({ "image/image.yaml": "base: host\n", "roles/store.yaml": "command: sleep 100000\n" }, "empty");
    const r = await runCli(["env", "store.main.0", "--root", root, ...TAGS, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const stateDir = JSON.parse(r.stdout).env.UNIBOX_STATE_DIR.value as string;
    expect(refsStoreRoot("/var/lib/unibox")).toBe("/var/lib/unibox-store");
    expect(refsStoreRoot(dirname(stateDir)).startsWith(`${dirname(stateDir)}/`)).toBe(false);
  });
});
