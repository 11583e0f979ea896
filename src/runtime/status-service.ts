// `unibox.status`: the box's own health endpoint, supervised beside the stack (DESIGN.md §4).
// GET /health answers 200 only while every instance is healthy: what a load balancer's target group
// checks before it sends traffic, and what promotion asks before it images a box.
import http from "node:http";
import { fileURLToPath } from "node:url";
import type { CommandResult } from "../cli/output.js";
import type { Plan, PlannedInstance } from "../plan/plan.js";
import { readSavedPlan } from "./box-plan.js";
import { instancesHealth, publicState, type InstanceHealth } from "./health.js";
import { boxPaths, type BoxPaths } from "./paths.js";
import { shellQuote } from "./templates.js";

export const STATUS_INSTANCE = "unibox.status";
export const DEFAULT_STATUS_PORT = 9100;
/** Health results are reused this long, so a busy target group does not run every check script per request. */
const CACHE_MS = 1000;

/** The status service as an instance of its own (root, no env layers, /ping as its health). */
export function statusInstance(paths: BoxPaths, port: number, host: string): PlannedInstance {
  const bin = fileURLToPath(new URL("../../bin/unibox.js", import.meta.url));
  const argv = [process.execPath, bin, "serve-status", "--prefix", paths.prefix, "--port", String(port), "--host", host];
  return {
    name: STATUS_INSTANCE,
    service: "unibox",
    component: "status",
    replica: 0,
    port,
    user: "root",
    command: argv.map(shellQuote).join(" "),
    cwd: "/",
    envLayers: [],
    needs: [],
    stateDir: paths.state("unibox"),
    health: { kind: "http", path: "/ping", expect: "pong", timeoutMs: 2000, intervalMs: 1000 },
    stop: { signal: "TERM", graceMs: 5000 },
  };
}

/** `unibox serve-status`: runs until TERM. */
export async function serveStatusCommand(options: { prefix: string; port: string; host: string }): Promise<CommandResult> {
  const base = boxPaths(options.prefix);
  let cached: { at: number; result: Promise<{ plan: Plan; health: InstanceHealth[] }> } | undefined;
  const evaluate = () => {
    if (!cached || Date.now() - cached.at > CACHE_MS) {
      // The plan is read again each time: a later boot may have changed what the box runs.
      const result = (async () => {
        const saved = readSavedPlan(base);
        const paths = boxPaths(options.prefix, saved.serviceDir);
        return { plan: saved.plan, health: await instancesHealth(paths, saved.plan.instances.map((i) => i.name)) };
      })();
      cached = { at: Date.now(), result };
    }
    return cached.result;
  };
  const server = http.createServer(async (req, res) => {
    if (req.url === "/ping") {
      res.writeHead(200, { "content-type": "text/plain" }).end("pong\n");
      return;
    }
    if (req.url !== "/health") {
      res.writeHead(404, { "content-type": "text/plain" }).end("GET /health or /ping\n");
      return;
    }
    try {
      const { plan, health } = await evaluate();
      const healthy = health.length > 0 && health.every((h) => h.healthy);
      const body = { healthy, mode: plan.mode, box: plan.box.name, instances: health.map((h) => ({ name: h.name, state: publicState(h.state), healthy: h.healthy })) };
      res.writeHead(healthy ? 200 : 503, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
    } catch (err) {
      res.writeHead(503, { "content-type": "application/json" }).end(`${JSON.stringify({ healthy: false, error: (err as Error).message })}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(options.port), options.host, resolve);
  });
  console.log(`unibox.status on http://${options.host}:${options.port}/health`);
  await new Promise<void>((resolve) => process.once("SIGTERM", () => server.close(() => resolve())));
  return { json: { stopped: true }, text: "unibox.status stopped" };
}
