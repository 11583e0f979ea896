import { afterAll, describe, expect, it } from "vitest";
import { identityFromTags } from "../../src/identity/tags.js";
import { envFileValue, resolveEnv } from "../../src/plan/env.js";
import { buildPlan } from "../../src/plan/plan.js";
import { loadStack } from "../../src/stack/load.js";
import { layeredStackFiles } from "../helpers/layered-stack.js";
import { removeStack, writeStack } from "../helpers/stack-dir.js";

const root = writeStack(layeredStackFiles({ command: "./web", webPort: 4000, dbPort: 5500 }), "empty");
afterAll(() => removeStack(root));

const facts = { instanceId: "i-1", privateIp: "10.0.0.9", cpus: 2, portOffset: 10, source: "stack" as const, invokingUser: "dev" };

describe("resolveEnv", () => {
  it("lets the innermost layer win, unsets on an empty file, and adds the generated layer last", () => {
    const stack = loadStack(root);
    const plan = buildPlan(stack, identityFromTags({ "unibox:mode": "review", "unibox:box": "qa" }, stack), facts);
    const web1 = plan.instances.find((i) => i.name === "app.web.1")!;
    expect(web1.envLayers).toEqual(["common", "review", "app", "app.web", "review.app", "review.app.web"]);
    expect(resolveEnv(plan, web1)).toEqual({
      A: { value: "review.app.web", layer: "review.app.web" },
      B: { value: "common-b", layer: "common" },
      DB: { value: "postgres://127.0.0.1:5510/x?box=qa&mode=review", layer: "review.app" },
      EMPTYSTRING: { value: "", layer: "app" },
      LINKED: { value: "common-b", layer: "app" },
      MULTI: { value: "first line", layer: "app" },
      PORT: { value: "4011", layer: "generated" },
      SELF: { value: "4010", layer: "review.app.web" },
      TRAILING: { value: "value with blanks", layer: "review" },
      UNIBOX_COMPONENT: { value: "web", layer: "generated" },
      UNIBOX_INSTANCE: { value: "app.web.1", layer: "generated" },
      UNIBOX_MODE: { value: "review", layer: "generated" },
      UNIBOX_REPLICA: { value: "1", layer: "generated" },
      UNIBOX_SERVICE: { value: "app", layer: "generated" },
      UNIBOX_STATE_DIR: { value: "/var/lib/unibox/app", layer: "generated" },
    });
  });

  it("keeps a variable set by an outer layer when an inner layer of another component unsets it", () => {
    const stack = loadStack(root);
    const plan = buildPlan(stack, identityFromTags({ "unibox:mode": "production", "unibox:service": "app", "unibox:component": "jobs" }, stack), facts);
    const env = resolveEnv(plan, plan.instances[0]);
    expect(env.GONE).toEqual({ value: "set in common", layer: "common" });
    expect(env.A).toEqual({ value: "app", layer: "app" });
    expect(env.PORT).toBeUndefined();
  });
});

describe("envFileValue", () => {
  it.each([
    ["a 0-byte file unsets", "", undefined],
    ["a lone newline is the empty string", "\n", ""],
    ["only the first line counts", "one\ntwo\n", "one"],
    ["trailing spaces and tabs are trimmed", "v \t\n", "v"],
    ["leading spaces are kept", "  v\n", "  v"],
    ["a carriage return is kept", "v\r\n", "v\r"],
    ["NUL bytes become newlines", "a\0b\n", "a\nb"],
    ["a last line without newline is whole", "v", "v"],
  ])("%s", (_name, text, expected) => {
    expect(envFileValue(text)).toBe(expected);
  });
});
