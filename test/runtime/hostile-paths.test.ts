// Paths and values users choose reach the generated scripts: a stack root and a prefix whose names hold quotes,
// spaces, `$()`, backticks and a newline are used as names, never run as shell. The box boots, its instances
// get those paths exactly, and nothing the names spell is executed.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, runJson } from "../helpers/cli.js";

const base = mkdtempSync(join(tmpdir(), "unibox-hostile-"));
const marker = join(base, "INJECTED");
const nasty = `we ird 'q" $(touch ${marker}) \`touch ${marker}\` ;touch ${marker} *`;
const root = join(base, `stack ${nasty}`);
const prefix = join(base, `prefix ${nasty}`);

afterAll(async () => {
  await runCli(["down", "--reset", "--prefix", prefix]);
  rmSync(base, { recursive: true, force: true });
});

describe("paths that spell shell", () => {
  it("boot, status and down --reset treat them as names: nothing they spell runs", async () => {
    mkdirSync(join(root, "roles"), { recursive: true });
    mkdirSync(join(root, "image"), { recursive: true });
    mkdirSync(join(root, "envdirs/common"), { recursive: true });
    writeFileSync(join(root, "image/image.yaml"), "base: host\nrepos: []\n");
    // The app writes where it runs and what it was given, for the test to compare.
    writeFileSync(join(root, "roles/app.yaml"), `command: node -e "require('fs').writeFileSync(process.env.UNIBOX_STATE_DIR + '/seen', process.cwd() + '|' + process.env.GREETING); setInterval(() => {}, 1e9)"\n`);
    writeFileSync(join(root, "envdirs/common/GREETING"), `hello $(touch ${marker}) \`id\`\n`);
    const booted = await runJson(["boot", "--root", root, "--prefix", prefix, "--tag", "unibox:mode=review", "--tag", "unibox:box=b", "--status-port", "0", "--wait", "30"]);
    expect(booted.instances.map((i: any) => [i.name, i.healthy])).toEqual([["app.main.0", true]]);
    const seen = readFileSync(join(prefix, "var/lib/unibox/app/seen"), "utf8");
    expect(seen).toBe(`${root}|hello $(touch ${marker}) \`id\``);
    expect((await runJson(["status", "--prefix", prefix])).instances[0]).toMatchObject({ name: "app.main.0", state: "up" });
    expect((await runCli(["down", "--reset", "--prefix", prefix])).code).toBe(0);
    expect(existsSync(marker)).toBe(false);
  }, 60_000);
});

describe("a prefix whose path holds a newline", () => {
  it("is refused before anything is written: the app's UNIBOX_STATE_DIR would be cut at it", async () => {
    const broken = join(base, "pre\nfix");
    const r = await runCli(["boot", "--root", root, "--prefix", broken, "--tag", "unibox:mode=review", "--tag", "unibox:box=b", "--status-port", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds a newline: app\.main\.0's environment \(UNIBOX_STATE_DIR\) carries one line per variable; starting nothing/);
    expect(existsSync(broken)).toBe(false);
  });
});
