import { afterEach, describe, expect, it } from "vitest";
import { openImds, type Imds } from "../../src/identity/imds.js";
import { refusedPort, startImdsServer, type FakeImds } from "../helpers/imds-server.js";

const servers: FakeImds[] = [];
const savedEndpoint = process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;

async function imds(options: Parameters<typeof startImdsServer>[0] = {}): Promise<FakeImds> {
  const server = await startImdsServer(options);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  if (savedEndpoint === undefined) delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  else process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = savedEndpoint;
});

/** Opens IMDS at `server`, failing the test if it does not answer. */
async function open(server: FakeImds): Promise<Imds> {
  const result = await openImds({ endpoint: server.url });
  if (result.kind !== "answered") throw result.error;
  return result.imds;
}

/** Every GET carried a token this server issued, and no path went out as `//latest/…`. */
function expectOnlyIMDSv2(server: FakeImds): void {
  const gets = server.log.filter((r) => r.method === "GET");
  const puts = server.log.filter((r) => r.method === "PUT");
  expect(gets.length).toBeGreaterThan(0);
  for (const get of gets) {
    expect(get.token, `${get.rawPath} without a token`).toBeDefined();
    expect(server.issued.has(get.token!)).toBe(true);
    expect([200, 404]).toContain(get.status);
  }
  for (const put of puts) {
    expect(put.rawPath).toBe("/latest/api/token");
    expect(put.status).toBe(200);
  }
  expect(server.log.every((r) => r.rawPath.startsWith("/latest/"))).toBe(true);
  expect(server.log.some((r) => r.status === 401 || r.status === 400)).toBe(false);
}

describe("openImds", () => {
  it("reads the instance's facts and tags through IMDSv2 tokens", async () => {
    const server = await imds({ tags: { "unibox:mode": "staging", "unibox:service": "billing", Name: "billing-1" } });
    const result = await openImds({ endpoint: server.url });
    expect(result).toMatchObject({ kind: "answered", imds: { instanceId: "i-0123456789abcdef0", privateIp: "10.0.1.23", region: "eu-west-1" } });
    const tags = await (result.kind === "answered" && result.imds.readTags());
    // Name belongs to another tool: listed, not read.
    expect(tags).toEqual({ "unibox:mode": "staging", "unibox:service": "billing" });
    expectOnlyIMDSv2(server);
    // Tag keys go out as they are (":" is path-safe), and each is read with its own GET.
    const paths = server.log.filter((r) => r.method === "GET").map((r) => r.rawPath);
    expect(paths).toContain("/latest/meta-data/tags/instance");
    expect(paths).toContain("/latest/meta-data/tags/instance/unibox:mode");
    expect(paths).toContain("/latest/meta-data/tags/instance/unibox:service");
  });

  it("reads the tags afresh on every call, so tags added after boot show", async () => {
    const server = await imds({ tags: { "unibox:mode": "review" } });
    const found = await open(server);
    expect(await found.readTags()).toEqual({ "unibox:mode": "review" });
    server.setTag("unibox:box", "pr-42");
    expect(await found.readTags()).toEqual({ "unibox:mode": "review", "unibox:box": "pr-42" });
  });

  it("reads not-found when the tags path is 404, with one request and no retry", async () => {
    const server = await imds({ tags: null });
    const found = await open(server);
    const started = performance.now();
    expect(await found.readTags()).toBe("not-found");
    expect(performance.now() - started).toBeLessThan(500);
    expect(server.log.filter((r) => r.rawPath === "/latest/meta-data/tags/instance")).toHaveLength(1);
    expectOnlyIMDSv2(server);
  });

  it("reads tags into a map without a prototype, and leaves keys named __proto__ and constructor unread", async () => {
    const server = await imds({ tags: { ["__proto__"]: "p", constructor: "c", "unibox:mode": "review", "unibox:ref.constructor": "main" } });
    const tags = await (await open(server)).readTags();
    expect(tags).not.toBe("not-found");
    expect(Object.getPrototypeOf(tags)).toBeNull();
    expect(Object.entries(tags)).toEqual([
      ["unibox:mode", "review"],
      ["unibox:ref.constructor", "main"],
    ]);
    expect(server.log.map((r) => r.path)).not.toContain("/latest/meta-data/tags/instance/__proto__");
  });

  it("throws when IMDS stops answering after it answered the probe", async () => {
    const server = await imds({ tags: { "unibox:mode": "review" } });
    const result = await openImds({ endpoint: server.url, timeoutMs: 100 });
    server.hang = true;
    await expect(result.kind === "answered" && result.imds.readTags()).rejects.toThrow(/timeout|TimeoutError/i);
  });

  it("lists the instance role, or none when the instance has no profile", async () => {
    const withRole = await imds({ role: "box-role" });
    expect(await (await open(withRole)).instanceRole()).toBe("box-role");
    expect(withRole.log.map((r) => r.rawPath)).toContain("/latest/meta-data/iam/security-credentials/");
    const without = await imds({});
    expect(await (await open(without)).instanceRole()).toBeUndefined();
  });

  it("leaves out facts IMDS does not have (an IPv6-only instance has no local-ipv4)", async () => {
    const server = await imds({ localIpv4: null });
    const found = await open(server);
    expect(found).toMatchObject({ instanceId: "i-0123456789abcdef0", region: "eu-west-1" });
    expect(found.privateIp).toBeUndefined();
  });

  it("reports unreachable within the per-request timeout when the endpoint accepts but never answers", async () => {
    const server = await imds({ hang: true });
    const started = performance.now();
    const result = await openImds({ endpoint: server.url, timeoutMs: 200 });
    const elapsed = performance.now() - started;
    expect(result.kind).toBe("unreachable");
    expect(result.kind === "unreachable" && result.error.message).toMatch(/timeout|TimeoutError/i);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
    // Only the token PUT was tried: no fallback to IMDSv1.
    expect(server.log.map((r) => `${r.method} ${r.rawPath}`)).toEqual(["PUT /latest/api/token"]);
  });

  it("reports unreachable at once when the connection is refused", async () => {
    const port = await refusedPort();
    const started = performance.now();
    const result = await openImds({ endpoint: `http://127.0.0.1:${port}` });
    expect(performance.now() - started).toBeLessThan(500);
    expect(result.kind).toBe("unreachable");
    expect(result.kind === "unreachable" && result.error.message).toMatch(/ECONNREFUSED/);
  });

  it("has a server that rejects IMDSv1 and bad token requests, and a client that never sends them", async () => {
    const server = await imds({ tags: { "unibox:mode": "review", "unibox:box": "b" } });
    expect((await fetch(`${server.url}/latest/meta-data/instance-id`)).status).toBe(401);
    expect((await fetch(`${server.url}/latest/meta-data/instance-id`, { headers: { "x-aws-ec2-metadata-token": "forged" } })).status).toBe(401);
    expect((await fetch(`${server.url}/latest/api/token`, { method: "PUT" })).status).toBe(400);
    for (const ttl of ["0", "21601", "abc"]) {
      const res = await fetch(`${server.url}/latest/api/token`, { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": ttl } });
      expect(res.status).toBe(400);
    }
    const tokenRes = await fetch(`${server.url}/latest/api/token`, { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } });
    const token = await tokenRes.text();
    // Like real IMDS, a doubled leading slash is accepted.
    const doubled = await fetch(`${server.url}//latest/meta-data/instance-id`, { headers: { "x-aws-ec2-metadata-token": token } });
    expect(await doubled.text()).toBe("i-0123456789abcdef0");
    expect(server.log.at(-1)?.rawPath).toBe("//latest/meta-data/instance-id");

    server.log.length = 0;
    await (await open(server)).readTags();
    expectOnlyIMDSv2(server);
    const puts = server.log.filter((r) => r.method === "PUT");
    expect(puts.every((p) => p.ttl !== undefined && Number(p.ttl) >= 1 && Number(p.ttl) <= 21600)).toBe(true);
  });

  it("honours AWS_EC2_METADATA_SERVICE_ENDPOINT when no endpoint is given", async () => {
    const server = await imds({ tags: { "unibox:mode": "staging", "unibox:service": "web" } });
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = server.url;
    const result = await openImds();
    expect(result.kind).toBe("answered");
    expect(await (result.kind === "answered" && result.imds.readTags())).toEqual({ "unibox:mode": "staging", "unibox:service": "web" });
    expect(server.log.length).toBeGreaterThan(0);
  });
});
