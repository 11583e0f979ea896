// The sample company stack as a review box on one machine: real postgres, redis, nginx and node.
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the benchmarks
import { startLoad } from "../../bench/http-load.js";
import { boxPaths } from "../../src/runtime/paths.js";
import { isAlive } from "../../src/runtime/processes.js";
import { runCli, runJson } from "../helpers/cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const OFFSET = 20_000;
const router = `http://127.0.0.1:${8080 + OFFSET}`;
let prefix: string;

const unibox = (...args: string[]) => runCli([...args, "--prefix", prefix]);

describe("the sample stack on a review box", () => {
  beforeAll(async () => {
    prefix = mkdtempSync(join(tmpdir(), "unibox-review-"));
    chmodSync(prefix, 0o755); // postgres and www-data must reach their state directories under it
    const r = await unibox("boot", "--root", root, "--tags-file", join(root, "examples/tags/review.json"), "--port-offset", String(OFFSET), "--wait", "90");
    if (r.code !== 0) throw new Error(`boot failed (${r.code}): ${r.stderr}`);
  }, 120_000);

  afterAll(async () => {
    await unibox("down", "--reset");
    rmSync(prefix, { recursive: true, force: true });
  }, 120_000);

  it("answers the welcome page through the router and passes a job from web to worker through redis into postgres", async () => {
    const page = await fetch(`${router}/`);
    expect(await page.text()).toContain("welcome");
    const posted = await fetch(`${router}/jobs`, { method: "POST", body: JSON.stringify({ n: 42 }) });
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: string };
    let job: { status: string; worker: string; result: string } | undefined;
    await expect
      .poll(async () => (job = (await (await fetch(`${router}/jobs/${id}`)).json()) as typeof job)?.status, { timeout: 10_000, interval: 100 })
      .toBe("done");
    expect(job!.worker).toMatch(/^api\.worker\.\d+$/);
    expect(job!.result).toMatch(/^[0-9a-f]{64}$/);
    // And it is really in the box's own postgres.
    const psql = await execa("psql", ["-h", "127.0.0.1", "-p", String(5432 + OFFSET), "-U", "api", "-d", "api", "-Atc", `SELECT status FROM jobs WHERE id = '${id}'`]);
    expect(psql.stdout).toBe("done");
  });

  it("restarts api.web one replica at a time with no failed request under load", async () => {
    const load = startLoad({ url: `${router}/`, concurrency: 8, maxRequests: 50_000, maxMs: 60_000 });
    await expect.poll(() => load.progress().sent, { timeout: 5000 }).toBeGreaterThan(200);
    const r = await unibox("restart", "api.web");
    expect(r.code, r.stderr).toBe(0);
    await expect.poll(() => load.progress().sent, { timeout: 10_000 }).toBeGreaterThan(2000);
    const result = await load.stop();
    expect(result.failed, JSON.stringify(result.errors)).toBe(0);
    expect(result.sent).toBeGreaterThan(2000);
  }, 60_000);

  it("lets a worker told to stop finish the job in hand", async () => {
    const posted = await fetch(`${router}/jobs`, { method: "POST", body: JSON.stringify({ workMs: 2000 }) });
    const { id } = (await posted.json()) as { id: string };
    const job = async () => (await (await fetch(`${router}/jobs/${id}`)).json()) as { status: string; worker: string };
    await expect.poll(async () => (await job()).status, { timeout: 5000, interval: 50 }).toBe("working");
    const { worker } = await job();
    // Restart exactly the worker holding it: TERM arrives mid-job.
    const r = await unibox("restart", `${worker}`);
    expect(r.code, r.stderr).toBe(0);
    expect(await job()).toMatchObject({ status: "done", worker });
  }, 30_000);

  it("leaves no postgres, redis, nginx or node process of the box after down --reset", async () => {
    const status = await runJson<{ instances: { name: string; pid: number; once?: boolean; state: string }[] }>(["status", "--prefix", prefix]);
    // The one-shot (api.migrate) ran to completion at boot: it has no process left.
    expect(status.instances.filter((i) => i.once).map((i) => [i.name, i.state])).toEqual([["api.migrate.0", "done"]]);
    const pids = status.instances.filter((i) => !i.once).map((i) => i.pid);
    expect(pids.every((p) => p > 0 && isAlive(p))).toBe(true);
    // Children too: postgres's backends, nginx's worker.
    const children = (await execa("sh", ["-c", `for p in ${pids.join(" ")}; do cat /proc/$p/task/*/children 2>/dev/null; done`])).stdout.split(/\s+/).filter(Boolean).map(Number);
    expect(children.length).toBeGreaterThan(0);
    const r = await unibox("down", "--reset");
    expect(r.code, r.stderr).toBe(0);
    expect([...pids, ...children].filter(isAlive)).toEqual([]);
    expect(existsSync(boxPaths(prefix).planFile)).toBe(false);
  }, 90_000);
});
