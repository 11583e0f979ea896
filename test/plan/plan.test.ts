import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { identityFromTags } from "../../src/identity/tags.js";
import { buildPlan, type BoxFacts } from "../../src/plan/plan.js";
import { replicaCount } from "../../src/plan/replicas.js";
import { loadStack } from "../../src/stack/load.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const stack = loadStack(root);
const facts: BoxFacts = { instanceId: "i-0abc", privateIp: "10.1.2.3", cpus: 4, portOffset: 0, source: "stack", invokingUser: "dev" };

const names = (tags: Record<string, string>, f: Partial<BoxFacts> = {}) =>
  buildPlan(stack, identityFromTags(tags, stack), { ...facts, ...f }).instances.map((i) => i.name);

describe("buildPlan on the sample stack", () => {
  it("runs every review service on a review box, what they need first", () => {
    expect(names({ "unibox:mode": "review", "unibox:box": "qa-1" })).toEqual([
      "postgres.main.0",
      "redis.main.0",
      "api.migrate.0",
      "api.web.0",
      "api.web.1",
      ...Array.from({ length: 8 }, (_, i) => `api.worker.${i}`),
      "router.main.0",
    ]);
  });

  it("runs only the tagged component on a production box, per CPU within min and max", () => {
    expect(names({ "unibox:mode": "production", "unibox:service": "api", "unibox:component": "web" }, { cpus: 1 })).toEqual(["api.web.0", "api.web.1"]);
    expect(names({ "unibox:mode": "production", "unibox:service": "api", "unibox:component": "web" }, { cpus: 16 })).toHaveLength(8);
  });

  it("runs every component of the service when the component tag is absent", () => {
    expect(names({ "unibox:mode": "production", "unibox:service": "api" }, { cpus: 2 })).toEqual([
      "api.migrate.0",
      "api.web.0",
      "api.web.1",
      "api.worker.0",
      "api.worker.1",
      "api.worker.2",
      "api.worker.3",
    ]);
  });

  it("gives replica i the port plus i plus the box's offset, and lists only existing env layers", () => {
    const plan = buildPlan(stack, identityFromTags({ "unibox:mode": "review", "unibox:box": "qa-1" }, stack), { ...facts, portOffset: 100 });
    const web1 = plan.instances.find((i) => i.name === "api.web.1")!;
    expect(web1).toMatchObject({ port: 3101, user: "dev", needs: ["postgres", "redis"], envLayers: ["common", "review", "api", "api.web", "review.api"] });
    expect(web1.cwd).toBe(`${root}apps/api`.replace(/\/\//g, "/"));
    expect(plan.templateContext.ports).toEqual({ postgres: { main: 5532 }, redis: { main: 6479 }, api: { web: 3100 }, router: { main: 8180 } });
  });

  it("ignores needs on services that are not on the box", () => {
    const plan = buildPlan(stack, identityFromTags({ "unibox:mode": "production", "unibox:service": "api" }, stack), facts);
    expect(plan.instances.every((i) => i.needs.length === 0)).toBe(true);
  });

  it("runs roles without user: as the image's service user on an image box", () => {
    const plan = buildPlan(stack, identityFromTags({ "unibox:mode": "review", "unibox:box": "qa-1" }, stack), { ...facts, source: "image", appsDir: "/opt/unibox/apps" });
    const users = Object.fromEntries(plan.instances.map((i) => [i.service, i.user]));
    expect(users).toEqual({ postgres: "postgres", redis: "redis", api: "unibox", router: "www-data" });
    expect(plan.instances.find((i) => i.service === "api")!.cwd).toBe("/opt/unibox/apps/api");
  });
});

describe("replicaCount", () => {
  it.each([
    [{ fixed: 3 }, 8, 3],
    [{ perCpu: 1, min: 1 }, 4, 4],
    [{ perCpu: 2, min: 1, max: 5 }, 4, 5],
    [{ perCpu: 0.5, min: 1 }, 3, 2],
    [{ perCpu: 1, min: 3 }, 1, 3],
    [{ fixed: 0 }, 4, 0],
  ])("gives %j on %i vCPUs %i replicas", (rule, cpus, expected) => {
    expect(replicaCount(rule, cpus)).toBe(expected);
  });
});

describe("the sample stack's production env", () => {
  it("points api at the managed databases through the production layers, not the review box's own", async () => {
    const { resolveEnv } = await import("../../src/plan/env.js");
    const plan = buildPlan(stack, identityFromTags({ "unibox:mode": "production", "unibox:service": "api", "unibox:component": "web" }, stack), facts);
    const env = resolveEnv(plan, plan.instances[0]);
    expect(plan.instances[0].envLayers).toEqual(["common", "production", "api", "api.web", "production.api"]);
    expect(env.DATABASE_URL).toEqual({ value: "postgres://api@db.internal.example.com:5432/api", layer: "production.api" });
    expect(env.NODE_ENV).toEqual({ value: "production", layer: "production" });
    expect(env.PUBLIC_URL).toBeUndefined();
  });
});

describe("buildPlan with names an object already has", () => {
  it("plans a service and a component named constructor, and renders a template over them", async () => {
    const { writeStack } = await import("../helpers/stack-dir.js");
    const { resolveEnv } = await import("../../src/plan/env.js");
    const dir = writeStack(
      {
        "image/image.yaml": "base: host\n",
        "roles/constructor.yaml": "components:\n  constructor: { command: sleep 1, port: 4100, replicas: 2 }\n  toString: { command: sleep 1 }\n".replace("toString", "tostring"),
        "envdirs/review.constructor/URL.hbs": "http://127.0.0.1:{{ports.constructor.constructor}}/{{#each replicas.constructor.constructor}}{{port}},{{/each}}\n",
      },
      "empty",
    );
    const s = loadStack(dir);
    const plan = buildPlan(s, identityFromTags({ "unibox:mode": "review", "unibox:box": "qa" }, s), facts);
    expect(plan.instances.map((i) => i.name)).toEqual(["constructor.constructor.0", "constructor.constructor.1", "constructor.tostring.0"]);
    expect(resolveEnv(plan, plan.instances[0]).URL.value).toBe("http://127.0.0.1:4100/4100,4101,");
  });
});

describe("buildPlan with a port offset", () => {
  it("refuses a port the offset pushes past 65535, naming the instance and the sum", () => {
    const review = identityFromTags({ "unibox:mode": "review", "unibox:box": "qa" }, stack);
    expect(() => buildPlan(stack, review, { ...facts, portOffset: 65000 })).toThrow(/postgres\.main\.0 would listen on 70432 \(port 5432 \+ port offset 65000 \+ replica 0\), past 65535/);
  });
});

describe("buildPlan: one-shots and the entry", () => {
  const review = () => buildPlan(stack, identityFromTags({ "unibox:mode": "review", "unibox:box": "qa" }, stack), facts);

  it("marks the sample's migrate as a one-shot, first of its role, and nothing else", () => {
    const plan = review();
    expect(plan.instances.filter((i) => i.once).map((i) => i.name)).toEqual(["api.migrate.0"]);
    const api = plan.instances.filter((i) => i.service === "api").map((i) => i.name);
    expect(api[0]).toBe("api.migrate.0");
  });

  it("marks replica 0 of the router as the box's entry, and no other instance", () => {
    expect(review().instances.filter((i) => i.entry).map((i) => i.name)).toEqual(["router.main.0"]);
  });

  it("leaves migrate off a production box of api.web: web waits for no one-shot there", () => {
    const plan = buildPlan(stack, identityFromTags({ "unibox:mode": "production", "unibox:service": "api", "unibox:component": "web" }, stack), facts);
    expect(plan.instances.some((i) => i.once)).toBe(false);
  });
});
