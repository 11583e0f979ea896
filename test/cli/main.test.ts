// The command line as a user meets it: help, exit codes, errors printed once, --json, --verbose.
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { startImdsServer, type FakeImds } from "../helpers/imds-server.js";
import { runCli } from "../helpers/cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const review = `${root}/examples/tags/review.json`;

describe("unibox", () => {
  it("lists every command and the exit codes in --help", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const command of ["validate", "plan", "env", "boot", "status", "restart", "down", "serve-status"]) expect(r.stdout).toContain(command);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*2 {2}usage error or invalid stack definition[\s\S]*3 {2}identity[\s\S]*4 {2}not healthy/);
  });

  it("exits 2 with the help on stderr when no command is given", async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Usage: unibox");
  });

  it("exits 2 on an unknown command or option", async () => {
    expect((await runCli(["bot"])).code).toBe(2);
    expect((await runCli(["plan", "--tagz", "x"])).code).toBe(2);
  });

  it("exits 2 naming a missing tags file, and 3 naming a missing tag and how to enable instance-metadata tags", async () => {
    const missing = await runCli(["plan", "--root", root, "--tags-file", "/nonexistent.json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read --tags-file /nonexistent.json: ENOENT");
    const noService = await runCli(["plan", "--root", root, "--tag", "unibox:mode=production"]);
    expect(noService.code).toBe(3);
    expect(noService.stderr).toContain("missing tag unibox:service");
    expect(noService.stderr).toContain("InstanceMetadataTags");
    expect(noService.stdout).toBe("");
  });

  it("prints one JSON document on stdout with --json, also for an error", async () => {
    const ok = await runCli(["plan", "--root", root, "--tags-file", review, "--json", "--cpus", "2"]);
    expect(ok.code).toBe(0);
    const plan = JSON.parse(ok.stdout);
    expect(plan.mode).toBe("review");
    expect(plan.instances[0]).toMatchObject({ name: "postgres.main.0", service: "postgres", component: "main", replica: 0, port: 5432, user: "postgres" });
    const bad = await runCli(["env", "api.web.9", "--root", root, "--tags-file", review, "--json"]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toContain('no instance "api.web.9" on this box (did you mean "api.web.0"?)');
  });

  it.each([
    ["an unknown command", ["bot", "--json"], "unknown command 'bot'"],
    ["an unknown option", ["plan", "--tagz", "x", "--json"], "unknown option '--tagz'"],
    ["a missing argument", ["env", "--json"], "missing required argument 'instance'"],
    ["a number that is not one", ["plan", "--root", root, "--tags-file", review, "--cpus", "two", "--json"], '--cpus expects a whole number from 1 to 1024, found "two"'],
    ["a port out of range", ["boot", "--status-port", "70000", "--json"], '--status-port expects a whole number from 0 to 65535, found "70000"'],
  ])("answers %s with exit 2 and one JSON document on stdout when --json is given", async (_what, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error).toMatchObject({ exitCode: 2 });
    expect(doc.error.message).toContain(message);
  });

  it("adds the stack trace with --verbose, and only then", async () => {
    const plain = await runCli(["status", "--prefix", "/nonexistent-prefix"]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const verbose = await runCli(["--verbose", "status", "--prefix", "/nonexistent-prefix"]);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  describe("on EC2, with instance-metadata tags that arrive late", () => {
    const saved = { endpoint: process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT, home: process.env.HOME };
    afterEach(() => {
      for (const [key, value] of [["AWS_EC2_METADATA_SERVICE_ENDPOINT", saved.endpoint], ["HOME", saved.home]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });

    async function peer(tagsAfterMs?: number): Promise<FakeImds> {
      const server = await startImdsServer({ tags: null });
      onTestFinished(() => server.close());
      process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = server.url;
      // No credentials anywhere: DescribeTags is not tried, instance metadata alone must answer.
      process.env.HOME = "/nonexistent";
      if (tagsAfterMs !== undefined) {
        const timer = setTimeout(() => {
          server.setTag("unibox:mode", "production");
          server.setTag("unibox:service", "api");
          server.setTag("unibox:component", "web");
        }, tagsAfterMs);
        onTestFinished(() => clearTimeout(timer));
      }
      return server;
    }

    it("plans the box the tags describe once they appear, 2 s after boot", { timeout: 20_000 }, async () => {
      await peer(2000);
      const started = performance.now();
      const r = await runCli(["plan", "--root", root, "--cpus", "2", "--tag-wait", "15", "--json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
      const plan = JSON.parse(r.stdout);
      expect(plan.mode).toBe("production");
      expect(plan.instances.map((i: { name: string }) => i.name)).toEqual(["api.web.0", "api.web.1"]);
      expect(plan.box.instanceId).toBe("i-0123456789abcdef0");
    });

    it("exits 3 after --tag-wait, not before, when they never appear, saying what was tried", { timeout: 20_000 }, async () => {
      await peer();
      const started = performance.now();
      const r = await runCli(["plan", "--root", root, "--tag-wait", "2"]);
      expect(r.code).toBe(3);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
      expect(r.stderr).toContain("instance metadata answered 404 for tags/instance");
      expect(r.stderr).toContain("DescribeTags: not tried");
    });
  });
});