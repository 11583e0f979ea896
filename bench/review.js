// The sample stack as a review box: boot to all healthy, and a rolling vs a naive restart of api.web under load.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLoad } from "./http-load.js";
import { repoRoot, row, unibox } from "./lib.js";

const OFFSET = 30_000;
const run = (...args) => {
  const r = spawnSync(process.execPath, [unibox, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`unibox ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r;
};

function freshPrefix() {
  const prefix = mkdtempSync(join(tmpdir(), "unibox-bench-review-"));
  chmodSync(prefix, 0o755);
  return prefix;
}

function bootReview(prefix) {
  const t0 = process.hrtime.bigint();
  run("boot", "--root", repoRoot, "--prefix", prefix, "--tags-file", join(repoRoot, "examples/tags/review.json"), "--port-offset", String(OFFSET), "--wait", "120");
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function teardown(prefix) {
  spawnSync(process.execPath, [unibox, "down", "--prefix", prefix, "--reset"], { stdio: "ignore" });
  rmSync(prefix, { recursive: true, force: true });
}

/** Runs a command without blocking the event loop (the load keeps sending meanwhile); resolves with its exit code. */
function runAsync(cmd, args) {
  return new Promise((resolve) => spawn(cmd, args, { stdio: "ignore" }).on("exit", resolve));
}

/** Load through the router while `restart` runs; keeps the load on 1 s past the restart. */
async function underLoad(restart) {
  const load = startLoad({ url: `http://127.0.0.1:${8080 + OFFSET}/`, concurrency: 8, maxMs: 60_000 });
  while (load.progress().sent < 300) await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  await restart();
  const ms = Date.now() - t0;
  await new Promise((r) => setTimeout(r, 1000));
  return { ...(await load.stop()), ms };
}

export default async function benchReview() {
  const boots = [];
  for (let i = 0; i < 3; i++) {
    const prefix = freshPrefix();
    try {
      boots.push(bootReview(prefix));
    } finally {
      teardown(prefix);
    }
  }
  const prefix = freshPrefix();
  try {
    bootReview(prefix);
    const rolling = await underLoad(() => runAsync(process.execPath, [unibox, "restart", "api.web", "--prefix", prefix]));
    // The naive way: every replica restarted at once, as `sv restart` of them all does.
    const dirs = [0, 1].map((i) => join(prefix, "etc/unibox/sv", `api.web.${i}`));
    const naive = await underLoad(() => runAsync("sv", ["-w", "30", "restart", ...dirs]));
    // down of the whole review box: every instance and its children (postgres backends, nginx worker).
    const status = JSON.parse(run("status", "--prefix", prefix, "--json").stdout);
    const pids = status.instances.map((i) => i.pid).filter(Boolean);
    const children = pids.flatMap((p) => {
      try {
        return readdirSync(`/proc/${p}/task`).flatMap((t) => readFileSync(`/proc/${p}/task/${t}/children`, "utf8").split(" ").filter(Boolean).map(Number));
      } catch {
        return [];
      }
    });
    const everyPid = [...pids, ...children];
    const t0 = process.hrtime.bigint();
    run("down", "--prefix", prefix);
    const downMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const left = everyPid.filter((p) => existsSync(`/proc/${p}`) && !readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].startsWith("Z"));
    const fmt = (r) => `${r.sent} requests, ${r.failed} failed${r.failed ? ` ${JSON.stringify(r.errors)}` : ""}`;
    return [
      row("review box of the sample stack: boot to all 9 instances healthy", boots, `${boots.length} runs, fresh prefix each, postgres initdb included`),
      row("rolling restart of api.web (unibox restart) under load through nginx", rolling.ms, `1 run; ${fmt(rolling)}`),
      row("naive restart of api.web (sv restart of both replicas at once) under load", naive.ms, `1 run; ${fmt(naive)}`),
      row("down of the review box (longest grace 30 s)", downMs, `1 run; ${everyPid.length} processes before (instances and their children), ${left.length} left`),
    ];
  } finally {
    teardown(prefix);
  }
}
