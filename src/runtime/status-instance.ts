// `unibox.status` as an instance of the box: the box's own health endpoint, supervised beside the stack
// (DESIGN.md §4) and reported apart from the stack's instances.
import { fileURLToPath } from "node:url";
import type { PlannedInstance } from "../plan/plan.js";
import type { BoxPaths } from "./paths.js";
import { shellQuote } from "./templates.js";

export const STATUS_INSTANCE = "unibox.status";
export const DEFAULT_STATUS_PORT = 9100;

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
