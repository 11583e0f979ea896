// The files of a service directory, as data: golden files for the sample stack's api.web.1 and router.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { identityFromTags } from "../../src/identity/tags.js";
import { buildPlan } from "../../src/plan/plan.js";
import { stopLevels } from "../../src/runtime/stop-order.js";
import { boxPaths } from "../../src/runtime/paths.js";
import { execCommand, instanceFiles } from "../../src/runtime/service-dir.js";
import { shellQuote } from "../../src/runtime/templates.js";
import { DEBIAN_TOOLS } from "../../src/runtime/tools.js";
import { loadStack } from "../../src/stack/load.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const stack = loadStack(root);
const paths = boxPaths("/box");
const facts = () => ({
  instanceId: "i-0abc",
  privateIp: "10.1.2.3",
  cpus: 2,
  portOffset: 0,
  source: "image" as const,
  invokingUser: "dev",
  appsDir: "/box/opt/unibox/apps",
  stateRoot: paths.stateRoot,
});
const plan = buildPlan(stack, identityFromTags({ "unibox:mode": "review", "unibox:box": "qa" }, stack), facts());
const filesOf = (name: string) => {
  const instance = plan.instances.find((i) => i.name === name)!;
  const files = instanceFiles(plan, instance, paths, { chpstUser: instance.user, owner: { uid: 1000, gid: 1000 } }, DEBIAN_TOOLS);
  // The checkout's own path varies from machine to machine: the golden files say <stack>.
  return Object.fromEntries(files.files.map((f) => [f.path.replace(`${paths.sv(name)}/`, ""), String(f.contents).replaceAll(stack.root, "<stack>")]));
};

describe("instanceFiles", () => {
  it.each(["run", "check", "control/t", "finish", "log/run"])("writes api.web.1's %s as the golden file says", async (file) => {
    await expect(filesOf("api.web.1")[file]).toMatchFileSnapshot(`golden/api.web.1/${file.replace("/", "-")}`);
  });

  it("writes the router's run script, which waits for every api.web replica", async () => {
    await expect(filesOf("router.main.0").run).toMatchFileSnapshot("golden/router.main.0/run");
  });

  it("merges the env layers into one directory of root's alone, templates rendered, the generated layer winning", () => {
    const instance = plan.instances.find((i) => i.name === "api.web.1")!;
    const files = instanceFiles(plan, instance, paths, { chpstUser: "unibox", owner: { uid: 1000, gid: 1000 } }, DEBIAN_TOOLS);
    const env = files.files.filter((f) => f.path.startsWith(`${paths.env("api.web.1")}/`));
    // chpst reads them as root before it drops to the user: the user needs no access, and must not rewrite them.
    expect(env.every((f) => f.mode === 0o600 && f.owner === undefined)).toBe(true);
    expect(files.dirs.filter((d) => d.path.startsWith(paths.env("api.web.1")))).toEqual([{ path: paths.env("api.web.1"), mode: 0o700 }]);
    expect(Object.fromEntries(env.map((f) => [f.path.slice(paths.env("api.web.1").length + 1), String(f.contents)]))).toMatchObject({
      DATABASE_URL: "postgres://api@127.0.0.1:5432/api\n",
      NODE_ENV: "development\n",
      PORT: "3001\n",
      UNIBOX_INSTANCE: "api.web.1\n",
    });
  });

  it("writes a value holding a newline (a NUL in its file) back as a NUL, and an unset variable as an empty file", async () => {
    const { writeStack } = await import("../helpers/stack-dir.js");
    const dir = writeStack(
      { "image/image.yaml": "base: host\n", "roles/a.yaml": "command: sleep 1\n", "envdirs/common/MULTI": "one\0two  \nignored\n", "envdirs/common/PATH": "/x\n", "envdirs/a/PATH": "" },
      "empty",
    );
    const s = loadStack(dir);
    const p = buildPlan(s, identityFromTags({ "unibox:mode": "review", "unibox:box": "qa" }, s), { ...facts(), stateRoot: "/box/var/lib/unibox" });
    const files = instanceFiles(p, p.instances[0], paths, {}, DEBIAN_TOOLS).files;
    const at = (name: string) => files.find((f) => f.path === `${paths.env("a.main.0")}/${name}`)!.contents;
    expect(Buffer.from(at("MULTI"))).toEqual(Buffer.from("one\0two\n"));
    // Empty: chpst unsets what the supervisor's environment had (its PATH), as the last layer naming it said.
    expect(String(at("PATH"))).toBe("");
  });

  it.each([
    ["http", { kind: "http" as const, path: "/health", timeoutMs: 2000, intervalMs: 1000 }, "/usr/bin/chpst -u nobody /usr/bin/curl"],
    ["tcp", { kind: "tcp" as const, timeoutMs: 2000, intervalMs: 1000 }, "/usr/bin/chpst -u nobody /usr/bin/bash -c"],
    ["cmd", { kind: "cmd" as const, command: "true", timeoutMs: 2000, intervalMs: 1000 }, "-u nobody /usr/bin/sh -c true"],
  ])("runs the %s health check as the instance's user", (_kind, health, expected) => {
    const instance = { ...plan.instances.find((i) => i.name === "api.web.1")!, health };
    const check = instanceFiles(plan, instance, paths, { chpstUser: "nobody" }, DEBIAN_TOOLS).files.find((f) => f.path.endsWith("/check"))!;
    expect(String(check.contents)).toContain(expected);
  });

  it("gives the same fingerprint for the same inputs and a new one when a layer changes", () => {
    const instance = plan.instances.find((i) => i.name === "api.web.1")!;
    const a = instanceFiles(plan, instance, paths, {}, DEBIAN_TOOLS);
    const b = instanceFiles(plan, instance, paths, {}, DEBIAN_TOOLS);
    const other = instanceFiles({ ...plan, templateContext: { ...plan.templateContext, ports: { ...plan.templateContext.ports, postgres: { main: 6000 } } } }, instance, paths, {}, DEBIAN_TOOLS);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(other.fingerprint).not.toBe(a.fingerprint);
  });
});

describe("stopLevels", () => {
  it("stops the router first, then api, then what api needs", () => {
    expect(stopLevels(plan.instances).map((level) => [...new Set(level.map((n) => n.split(".")[0]))])).toEqual([["router"], ["api"], ["postgres", "redis"]]);
  });
});

describe("execCommand", () => {
  it.each([
    ["node src/web.js", "exec node src/web.js"],
    ["redis-server --port $PORT", "exec redis-server --port $PORT"],
    ["npm run migrate && node server.js", "npm run migrate && node server.js"],
    ["FOO=1 node x.js", "FOO=1 node x.js"],
    ["exec node x.js", "exec node x.js"],
    ["a | b", "a | b"],
    ["echo $(date)", "echo $(date)"],
    [`sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'`, `exec sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'`],
    [`node -e "a(); b()"`, `exec node -e "a(); b()"`],
  ])("turns %j into %j", (command, expected) => {
    expect(execCommand(command)).toBe(expected);
  });
});

describe("shellQuote", () => {
  it.each([
    ["plain", "plain"],
    ["/path/to/x.y", "/path/to/x.y"],
    ["two words", "'two words'"],
    ["it's", "'it'\\''s'"],
    ["$PORT", "'$PORT'"],
  ])("quotes %j as %s", (input, expected) => {
    expect(shellQuote(input)).toBe(expected);
  });
});
