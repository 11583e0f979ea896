// `once:` (one-shot components) and `entry:` (the box's one URL): what validates and what is refused, where.
import { describe, expect, it } from "vitest";
import { loadStack } from "../../src/stack/load.js";
import { runValidate, writeStack, type StackFile } from "../helpers/stack-dir.js";

const role = (yaml: string): Record<string, StackFile> => ({ "roles/api.yaml": yaml });

describe("once: true", () => {
  it.each([
    ["replicas", "components:\n  migrate:\n    command: x\n    once: true\n    replicas: 2\n", "roles/api.yaml:5:5", '"replicas" does not apply to a one-shot (once: true): a one-shot runs exactly one process; remove "replicas"'],
    ["port", "components:\n  migrate:\n    command: x\n    once: true\n    port: 3000\n", "roles/api.yaml:5:5", '"port" does not apply to a one-shot'],
    ["health", "components:\n  migrate:\n    command: x\n    once: true\n    health: { cmd: \"true\" }\n", "roles/api.yaml:5:5", '"health" does not apply to a one-shot (once: true): a one-shot is healthy when it exits 0'],
    ["stop", "command: x\nonce: true\nstop: { grace: 5s }\n", "roles/api.yaml:3:1", '"stop" does not apply to a one-shot'],
    ["entry", "command: x\nonce: true\nentry: true\n", "roles/api.yaml:3:1", "a one-shot (once: true) cannot be the box's entry"],
  ])("refuses %s on a one-shot, at the key, with the fix", async (_key, yaml, at, message) => {
    const { code, stderr } = await runValidate(writeStack(role(yaml)));
    expect(code).toBe(2);
    const [first, last] = stderr.trimEnd().split("\n");
    expect(first.startsWith(`${at}: `), stderr).toBe(true);
    expect(first).toContain(message);
    expect(last).toBe("unibox: invalid stack definition: 1 error");
  });

  it("accepts a role made of one-shots only, and a one-shot beside long-running components", () => {
    const stack = loadStack(
      writeStack({
        "roles/seed.yaml": "command: ./seed\nonce: true\n",
        "roles/api.yaml": "repo: api\ncomponents:\n  web: { command: node web.js, port: 3000 }\n  migrate: { command: node migrate.js, once: true }\n",
      }),
    );
    expect(stack.roles.get("seed")!.components).toMatchObject([{ name: "main", once: true, replicas: { review: { fixed: 1 } } }]);
    expect(stack.roles.get("api")!.components.map((c) => [c.name, c.once ?? false])).toEqual([["web", false], ["migrate", true]]);
  });
});

describe("entry: true", () => {
  it("refuses two entries on one box, once, at the second, like a port collision", async () => {
    const { code, stderr } = await runValidate(
      writeStack({
        "roles/api.yaml": "command: x\nport: 3000\nentry: true\n",
        "roles/router.yaml": "modes: [review]\ncomponents:\n  main: { command: y, port: 8080, entry: true }\n",
      }),
    );
    expect(code).toBe(2);
    expect(stderr).toBe(
      'roles/router.yaml:3:35: two entries on a review box: router.main and api.main both say "entry: true"; a box has one URL: keep it on one of them\nunibox: invalid stack definition: 1 error\n',
    );
  });

  it("accepts entries of services that never share a box (a production box runs one service)", async () => {
    const { code, stderr } = await runValidate(
      writeStack({
        "roles/api.yaml": "modes: [production]\ncommand: x\nport: 3000\nentry: true\n",
        "roles/router.yaml": "modes: [review]\ncommand: y\nport: 8080\nentry: true\n",
      }),
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("refuses an entry without a port", async () => {
    const { code, stderr } = await runValidate(writeStack(role("command: x\nentry: true\n")));
    expect(code).toBe(2);
    expect(stderr).toContain('roles/api.yaml:2:1: "entry: true" marks the box\'s URL: the component needs a "port:"');
  });
});
