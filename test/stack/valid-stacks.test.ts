// Valid stack definitions: `unibox validate` exits 0 with a one-line summary, and loadStack normalises them.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadStack } from "../../src/stack/load.js";
import { runValidate, writeStack, type StackFile } from "../helpers/stack-dir.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SUMMARY = /^ok: \d+ services?, \d+ components?, \d+ env scopes?, \d+ repos?\n$/;
const POSTGRES = { "roles/postgres.yaml": "modes: [review]\ncommand: ./postgres\nport: 5432\n" };

describe("the sample stack at the repo root", () => {
  it("validates with exit 0, a one-line summary on stdout and nothing on stderr", async () => {
    const { code, stdout, stderr } = await runValidate(REPO_ROOT);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(SUMMARY);
  });

  it("prints one JSON document with --json", async () => {
    const { code, stdout } = await runValidate(REPO_ROOT, "--json");
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { ok: boolean; services: string[] };
    expect(doc.ok).toBe(true);
    expect(doc.services).toContain("api");
  });
});

const valid: { name: string; files: Record<string, StackFile> }[] = [
  {
    name: "accepts the same port in different modes, which never share a box",
    files: { "roles/api.yaml": "modes: [review]\ncommand: x\nport: 3000\n", "roles/web.yaml": "modes: [production]\ncommand: y\nport: 3000\n" },
  },
  {
    name: "accepts the same port on two services that only meet on production boxes, each of which runs one service",
    files: { "roles/api.yaml": "modes: [production]\ncommand: x\nport: 3000\n", "roles/web.yaml": "modes: [staging, production]\ncommand: y\nport: 3000\n" },
  },
  {
    name: "accepts a port shared with a component that runs no replica on the review box",
    files: {
      "roles/api.yaml": "command: x\nport: 3000\nreplicas: { review: 0, production: 2 }\n",
      "roles/web.yaml": "modes: [review]\ncommand: y\nport: 3000\n",
    },
  },
  {
    name: "accepts replica port ranges that touch without overlapping",
    files: { "roles/api.yaml": "command: x\nport: 3000\nreplicas: 2\n", "roles/web.yaml": "command: y\nport: 3002\n" },
  },
  {
    name: "accepts per-CPU replicas whose max keeps them below the next port",
    files: { "roles/api.yaml": "command: x\nport: 3000\nreplicas: { perCpu: 1, max: 2 }\n", "roles/web.yaml": "command: y\nport: 3002\n" },
  },
  {
    name: "accepts the most replicas one box runs: 1000, or 64 per vCPU",
    files: { "roles/api.yaml": "command: x\nport: 3000\nreplicas: { review: 1000, production: { perCpu: 64, min: 1000, max: 1000 } }\n" },
  },
  {
    name: "ignores dotfiles in envdirs/ and roles/",
    files: { "envdirs/common/.gitkeep": "", "envdirs/.cache/X": "1\n", "roles/.api.yaml.swp": "junk" },
  },
  {
    name: "accepts a symlink to an existing file in an env scope",
    files: { "shared/TZ": "UTC\n", "envdirs/common/TZ": { symlink: "../../shared/TZ" } },
  },
  {
    name: "accepts every scope layer of a service that runs in every mode",
    files: Object.fromEntries(
      ["common", "review", "staging", "production", "api", "api.main", "review.api", "production.api.main"].map((s) => [`envdirs/${s}/X`, "1\n"]),
    ),
  },
  {
    name: "accepts a template that uses the ports of a review-only service from a review-only scope",
    files: { ...POSTGRES, "envdirs/review.api/DATABASE_URL.hbs": "postgres://localhost:{{ports.postgres.main}}/app\n" },
  },
  {
    name: "accepts a need on a service that runs in fewer modes",
    files: { ...POSTGRES, "roles/api.yaml": "repo: api\ncommand: x\nport: 3000\nneeds: [postgres]\n" },
  },
  {
    name: "accepts an env value exactly as long as exec allows, counting only the first line without its trailing blanks",
    files: { "envdirs/common/BIGV": `${"x".repeat(131_072 - "BIGV=".length - 1)} \t\n${"y".repeat(200_000)}\n` },
  },
  {
    name: "accepts a template whose rendered value is exactly as long as exec allows",
    files: { "envdirs/common/BIGV.hbs": `${"x".repeat(131_072 - "BIGV=".length - 1 - "10.0.0.1".length)}{{box.privateIp}}\n` },
  },
  {
    name: "accepts a component, a scope and a template that use the name constructor",
    files: {
      "roles/api.yaml": "components:\n  constructor:\n    command: node build.js\n    port: 4000\n  web:\n    command: node web.js\n",
      "envdirs/api.constructor/URL.hbs": "http://localhost:{{ports.api.constructor}}/\n",
    },
  },
  {
    name: "accepts a repo with a remote git URL and no local checkout",
    files: { "image/image.yaml": "base: host\nrepos:\n  - name: api\n    url: https://example.com/acme/api.git\n" },
  },
];

describe("unibox validate on a valid stack", () => {
  it.each(valid.map((c): [string, Record<string, StackFile>] => [c.name, c.files]))("%s", async (_name, files) => {
    const { code, stdout, stderr } = await runValidate(writeStack(files));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(SUMMARY);
  });
});

describe("loadStack normalises what it loads", () => {
  it("turns a top-level command into one component named main, with defaults filled in", () => {
    const stack = loadStack(writeStack({ "roles/api.yaml": "repo: api\ncommand: node server.js\nport: 3000\n" }));
    const api = stack.roles.get("api")!;
    expect(api.modes).toEqual(["review", "staging", "production"]);
    expect(api.needs).toEqual([]);
    expect(api.components).toEqual([
      {
        name: "main",
        command: "node server.js",
        replicas: { review: { fixed: 1 }, staging: { fixed: 1 }, production: { fixed: 1 } },
        port: 3000,
        stop: { signal: "TERM", graceMs: 10_000 },
      },
    ]);
  });

  it("gives each mode its own replica rule, and reads health and stop durations", () => {
    const stack = loadStack(
      writeStack({
        "roles/api.yaml": [
          "components:",
          "  web:",
          "    command: node web.js",
          "    port: 3000",
          "    replicas: { review: 2, production: { perCpu: 1, max: 4 } }",
          "    health: { http: /health, expect: ok, timeout: 500ms }",
          "    stop: { command: drain, signal: QUIT, grace: 1m }",
          "  worker:",
          "    command: node worker.js",
          "    replicas: { perCpu: 2, min: 2 }",
          "    health: { cmd: ./check, interval: 5 }",
          "",
        ].join("\n"),
      }),
    );
    expect(stack.roles.get("api")!.components).toEqual([
      {
        name: "web",
        command: "node web.js",
        replicas: { review: { fixed: 2 }, staging: { fixed: 1 }, production: { perCpu: 1, min: 1, max: 4 } },
        port: 3000,
        health: { kind: "http", path: "/health", expect: "ok", timeoutMs: 500, intervalMs: 1000 },
        stop: { command: "drain", signal: "QUIT", graceMs: 60_000 },
      },
      {
        name: "worker",
        command: "node worker.js",
        replicas: { review: { perCpu: 2, min: 2 }, staging: { perCpu: 2, min: 2 }, production: { perCpu: 2, min: 2 } },
        health: { kind: "cmd", command: "./check", timeoutMs: 2000, intervalMs: 5000 },
        stop: { signal: "TERM", graceMs: 10_000 },
      },
    ]);
  });

  it("keeps a component named constructor, with its command, as any other component", () => {
    const stack = loadStack(writeStack({ "roles/api.yaml": "components:\n  constructor:\n    command: node build.js\n  web:\n    command: node web.js\n" }));
    const components = stack.roles.get("api")!.components;
    expect(components.map((c) => ({ name: c.name, command: c.command }))).toEqual([
      { name: "constructor", command: "node build.js" },
      { name: "web", command: "node web.js" },
    ]);
  });

  it("keeps runtimes by name in a map that holds nothing but them", () => {
    const stack = loadStack(writeStack({ "image/image.yaml": 'base: host\nruntimes:\n  node: "20"\n  constructor: "1"\nrepos:\n  - name: api\n    url: ./apps/api\n' }));
    expect(Object.entries(stack.image.runtimes)).toEqual([
      ["node", "20"],
      ["constructor", "1"],
    ]);
    expect(stack.image.runtimes.toString).toBeUndefined();
  });

  it("orders modes as review, staging, production whatever order the file lists them in", () => {
    const stack = loadStack(writeStack({ "roles/api.yaml": "command: x\nmodes: [production, review]\n" }));
    expect(stack.roles.get("api")!.modes).toEqual(["review", "production"]);
  });

  it("keeps roles by service name in name order", () => {
    const stack = loadStack(writeStack({ "roles/web.yaml": "command: y\n", "roles/db.yaml": "command: z\n" }));
    expect([...stack.roles.keys()]).toEqual(["api", "db", "web"]);
  });

  it("lists env entries without dotfiles, marking templates and following symlinks", () => {
    const root = writeStack({
      "envdirs/common/.gitkeep": "",
      "envdirs/common/TZ": "UTC\n",
      "envdirs/common/URL.hbs": "http://{{box.privateIp}}\n",
      "shared/LOG_LEVEL": "info\n",
      "envdirs/common/LOG_LEVEL": { symlink: "../../shared/LOG_LEVEL" },
    });
    const common = loadStack(root).envScopes.get("common")!;
    expect(common.entries.map(({ name, template }) => ({ name, template }))).toEqual([
      { name: "LOG_LEVEL", template: false },
      { name: "TZ", template: false },
      { name: "URL", template: true },
    ]);
  });

  it("fills in the image recipe's defaults and resolves a local repo path", () => {
    const root = writeStack();
    expect(loadStack(root).image).toEqual({
      file: "image/image.yaml",
      base: { host: true },
      serviceUser: "unibox",
      packages: [],
      runtimes: {},
      mirrors: {},
      repos: [{ name: "api", url: "./apps/api", ref: "HEAD", build: [], localPath: `${root}/apps/api` }],
      include: [],
      allowSecrets: [],
    });
  });

  it("reads an AMI base with x86_64 as the default architecture", () => {
    const root = writeStack({
      "image/image.yaml": 'base:\n  ami: { name: debian-12-amd64-*, owners: ["136693071363"] }\nrepos:\n  - name: api\n    url: ./apps/api\n',
    });
    expect(loadStack(root).image.base).toEqual({ ami: { name: "debian-12-amd64-*", owners: ["136693071363"], architecture: "x86_64" } });
  });
});
