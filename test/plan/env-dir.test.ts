// `--env-dir`: the box's own env layer, for what must not be baked (secrets, the endpoints of managed
// databases). It overrides the stack's layers, the generated variables override it, and root refuses a
// directory or file someone else could change.
import { chmodSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, runJson } from "../helpers/cli.js";
import { writeStack } from "../helpers/stack-dir.js";

const TAGS = ["--tag", "unibox:mode=production", "--tag", "unibox:service=api"];
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function envDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "unibox-env-dir-"));
  dirs.push(dir);
  for (const [name, value] of Object.entries(files)) writeFileSync(join(dir, name), value, { mode: 0o600 });
  return dir;
}

describe("the box's own env layer (--env-dir)", () => {
  it("overrides every layer of the stack, shows its path as the layer, and yields to the generated variables", async () => {
    const root = writeStack({ "envdirs/production.api/DATABASE_URL": "postgres://db.internal/api\n", "envdirs/common/TZ": "UTC\n" });
    const dir = envDir({ DATABASE_URL: "postgres://127.0.0.1:15432/api\n", PORT: "1\n", SECRET_KEY: "s3cret\n" });
    const env = (await runJson(["env", "api.main.0", "--root", root, ...TAGS, "--env-dir", dir])).env;
    expect(env.DATABASE_URL).toEqual({ value: "postgres://127.0.0.1:15432/api", layer: dir });
    expect(env.SECRET_KEY).toEqual({ value: "s3cret", layer: dir });
    expect(env.TZ).toEqual({ value: "UTC", layer: "common" });
    expect(env.PORT).toEqual({ value: "3000", layer: "generated" });
    const plan = await runJson(["plan", "--root", root, ...TAGS, "--env-dir", dir]);
    expect(plan.instances[0].envLayers).toEqual(["common", "production.api", dir, "generated"]);
  });

  it("refuses a directory others can write, a file someone else could change, and a bad variable name, with exit 2", async () => {
    const root = writeStack();
    const open = envDir({ A: "1\n" });
    chmodSync(open, 0o777);
    const r1 = await runCli(["plan", "--root", root, ...TAGS, "--env-dir", open]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain(`--env-dir ${open}`);
    expect(r1.stderr).toMatch(/writable by others/);

    const loose = envDir({ A: "1\n" });
    chmodSync(join(loose, "A"), 0o666);
    const r2 = await runCli(["plan", "--root", root, ...TAGS, "--env-dir", loose]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/A is owned by uid \d+, mode 666: only root or you may own it, and only its owner write it; root reads it for every service/);

    const linked = envDir({});
    symlinkSync("/etc/hostname", join(linked, "HOST"));
    const r3 = await runCli(["plan", "--root", root, ...TAGS, "--env-dir", linked]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/HOST is a symlink/);

    const bad = envDir({ "BAD-NAME": "1\n" });
    const r4 = await runCli(["plan", "--root", root, ...TAGS, "--env-dir", bad]);
    expect(r4.code).toBe(2);
    expect(r4.stderr).toContain(`${bad}/BAD-NAME:1:1: invalid variable name "BAD-NAME"`);

    const missing = join(tmpdir(), "unibox-no-such-env-dir");
    const r5 = await runCli(["plan", "--root", root, ...TAGS, "--env-dir", missing]);
    expect(r5.code).toBe(2);
    expect(r5.stderr).toMatch(/expected a directory of env files/);
  });

  it("refuses a huge file by its size, before reading it", async () => {
    const root = writeStack();
    const dir = envDir({});
    // Sparse: 8 GiB that take no disk; read whole, it would exhaust memory.
    const big = join(dir, "BIG");
    writeFileSync(big, "", { mode: 0o600 });
    truncateSync(big, 8 * 1024 ** 3);
    const r = await runCli(["plan", "--root", root, ...TAGS, "--env-dir", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${dir}/BIG:1:1: a file of 8589934592 bytes, not read`);
  });
});
