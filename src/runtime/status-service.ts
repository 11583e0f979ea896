// `unibox serve-status`: the box's health endpoint. GET /health answers 200 only while every instance
// is healthy: what a load balancer's target group checks before it sends traffic, and what promotion
// asks before it images a box.
import { lstatSync } from "node:fs";
import { readRegularFile } from "../shared/read-file.js";
import http from "node:http";
import { dirname, join } from "node:path";
import { openBox, requireSavedPlan, type SavedPlan } from "./box.js";
import { instancesHealth, publicState, type InstanceHealth } from "./health.js";

/** Health results are reused this long, so a busy target group does not run every check script per request. */
const CACHE_MS = 1000;

/** Serves until SIGTERM; resolves once the server has closed. `onListening` hears the address. */
export async function serveStatus(options: { prefix: string; port: number; host: string; onListening?: (url: string) => void }): Promise<void> {
  // One evaluation at a time: requests arriving meanwhile share it, and its result serves for a second
  // after it completes. Slow checks (a hung app, a long timeout) then cost one set of check processes,
  // however often a load balancer or anyone else asks.
  type Evaluation = { saved: SavedPlan; health: InstanceHealth[] };
  let inFlight: Promise<Evaluation> | undefined;
  let last: { at: number; result: Evaluation } | undefined;
  const evaluate = (): Promise<Evaluation> => {
    if (last && Date.now() - last.at <= CACHE_MS) return Promise.resolve(last.result);
    inFlight ??= (async () => {
      try {
        // The plan is read again each time: a later boot may have changed what the box runs.
        const box = openBox(options.prefix);
        const saved = requireSavedPlan(box);
        const result = { saved, health: await instancesHealth(box.paths, saved.plan.instances.map((i) => i.name)) };
        last = { at: Date.now(), result };
        return result;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
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
      const { saved, health } = await evaluate();
      const healthy = health.length > 0 && health.every((h) => h.healthy);
      // Only a review box says what it runs (what promote records): a production box's port may be reachable by
      // more than its load balancer, and its commits would tell a stranger which known flaws to try.
      const repos = saved.plan.mode === "review" ? runningCommits(saved) : undefined;
      const body = { healthy, mode: saved.plan.mode, box: saved.plan.box.name, ...(repos ? { repos } : {}), instances: health.map((h) => ({ name: h.name, state: publicState(h.state), healthy: h.healthy })) };
      res.writeHead(healthy ? 200 : 503, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
    } catch (err) {
      res.writeHead(503, { "content-type": "application/json" }).end(`${JSON.stringify({ healthy: false, error: (err as Error).message })}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  options.onListening?.(`http://${options.host}:${options.port}/health`);
  await new Promise<void>((resolve) => process.once("SIGTERM", () => server.close(() => resolve())));
}

/**
 * The commit of every repo the box runs, from the manifest of the tree its plan came from (the image, or the one
 * its `unibox:ref.*` tags made at boot): what `promote` records as reviewed. Undefined on a development boot.
 */
function runningCommits(saved: SavedPlan): Record<string, string> | undefined {
  // Read as root: only a regular file root (or this user) owns, opened without waiting on a FIFO. A development
  // boot's stack has no manifest beside it, and what sits there may be anyone's.
  const file = join(dirname(saved.plan.root), "manifest.json");
  const st = lstatSync(file, { throwIfNoEntry: false });
  if (!st?.isFile() || (st.uid !== 0 && st.uid !== process.getuid?.())) return undefined;
  const read = readRegularFile(file, file);
  if ("problem" in read) return undefined;
  try {
    const manifest = JSON.parse(read.content.toString("utf8")) as { repos?: Record<string, { commit?: unknown }> };
    const commits = Object.entries(manifest.repos ?? {}).filter(([, r]) => typeof r?.commit === "string" && /^[0-9a-f]{40}$/.test(r.commit));
    return commits.length ? Object.fromEntries(commits.map(([name, r]) => [name, r.commit as string])) : undefined;
  } catch {
    return undefined;
  }
}
