import { afterEach, describe, expect, it } from "vitest";
import { readImdsTags } from "../../src/identity/imds.js";
import { refusedPort, startImdsServer, type FakeImds } from "./imds-server.js";

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

describe("readImdsTags", () => {
  it("reads the instance's tags and facts through IMDSv2 tokens", async () => {
    const server = await imds({ tags: { "unibox:mode": "staging", "unibox:service": "billing", Name: "billing-1" } });
    const result = await readImdsTags({ endpoint: server.url, waitMs: 0 });
    expect(result).toEqual({
      kind: "tags",
      tags: { "unibox:mode": "staging", "unibox:service": "billing", Name: "billing-1" },
      instanceId: "i-0123456789abcdef0",
      privateIp: "10.0.1.23",
      region: "eu-west-1",
    });
    expectOnlyIMDSv2(server);
    // Tag keys go out as they are (":" is path-safe), and each is read with its own GET.
    const paths = server.log.filter((r) => r.method === "GET").map((r) => r.rawPath);
    expect(paths).toContain("/latest/meta-data/tags/instance");
    expect(paths).toContain("/latest/meta-data/tags/instance/unibox:mode");
    expect(paths).toContain("/latest/meta-data/tags/instance/unibox:service");
  });

  it("waits for required tags that appear only after boot", async () => {
    const server = await imds({ tags: { "unibox:mode": "review" } });
    const timer = setTimeout(() => server.setTag("unibox:box", "pr-42"), 300);
    const started = performance.now();
    const result = await readImdsTags({ endpoint: server.url, waitMs: 5000, pollMs: 50 });
    clearTimeout(timer);
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ kind: "tags", tags: { "unibox:mode": "review", "unibox:box": "pr-42" } });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2500);
    expect(server.log.filter((r) => r.rawPath === "/latest/meta-data/tags/instance").length).toBeGreaterThan(2);
    expectOnlyIMDSv2(server);
  });

  it("returns incomplete tags once the wait is over, for the caller to fail closed", async () => {
    const server = await imds({ tags: { "unibox:mode": "production" } });
    const started = performance.now();
    const result = await readImdsTags({ endpoint: server.url, waitMs: 300, pollMs: 50 });
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ kind: "tags", tags: { "unibox:mode": "production" } });
    expect(result.kind === "tags" && Object.keys(result.tags)).toEqual(["unibox:mode"]);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
  });

  it("bounds the wait by the injected clock and sleeps no longer than what is left", async () => {
    const server = await imds({ tags: {} });
    let clock = 0;
    const sleeps: number[] = [];
    const result = await readImdsTags({
      endpoint: server.url,
      waitMs: 2500,
      pollMs: 1000,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    expect(result).toMatchObject({ kind: "tags", tags: {} });
    expect(sleeps).toEqual([1000, 1000, 500]);
    expect(server.log.filter((r) => r.rawPath === "/latest/meta-data/tags/instance")).toHaveLength(4);
  });

  it("reports tags-disabled with the instance id when the tags path is 404, without waiting", async () => {
    const server = await imds({ tags: null });
    const started = performance.now();
    const result = await readImdsTags({ endpoint: server.url, waitMs: 10_000, pollMs: 50 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result).toEqual({ kind: "tags-disabled", instanceId: "i-0123456789abcdef0", privateIp: "10.0.1.23", region: "eu-west-1" });
    // A 404 is not retried.
    expect(server.log.filter((r) => r.rawPath === "/latest/meta-data/tags/instance")).toHaveLength(1);
    expectOnlyIMDSv2(server);
  });

  it("leaves out facts IMDS does not have (an IPv6-only instance has no local-ipv4)", async () => {
    const server = await imds({ localIpv4: null, tags: { "unibox:mode": "review", "unibox:box": "b" } });
    const result = await readImdsTags({ endpoint: server.url, waitMs: 0 });
    expect(result).toMatchObject({ kind: "tags", instanceId: "i-0123456789abcdef0", region: "eu-west-1" });
    expect(result.kind === "tags" && result.privateIp).toBeUndefined();
  });

  it("reports unreachable within the per-request timeout when the endpoint accepts but never answers", async () => {
    const server = await imds({ hang: true });
    const started = performance.now();
    const result = await readImdsTags({ endpoint: server.url, timeoutMs: 200, waitMs: 10_000 });
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
    const result = await readImdsTags({ endpoint: `http://127.0.0.1:${port}`, waitMs: 10_000 });
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
    await readImdsTags({ endpoint: server.url, waitMs: 0 });
    expectOnlyIMDSv2(server);
    const puts = server.log.filter((r) => r.method === "PUT");
    expect(puts.every((p) => p.ttl !== undefined && Number(p.ttl) >= 1 && Number(p.ttl) <= 21600)).toBe(true);
  });

  it("honours AWS_EC2_METADATA_SERVICE_ENDPOINT when no endpoint is given", async () => {
    const server = await imds({ tags: { "unibox:mode": "staging", "unibox:service": "web" } });
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = server.url;
    const result = await readImdsTags({ waitMs: 0 });
    expect(result).toMatchObject({ kind: "tags", tags: { "unibox:mode": "staging", "unibox:service": "web" } });
    expect(server.log.length).toBeGreaterThan(0);
  });
});
