// Runs `unibox` from the TypeScript sources in a child process with a time and a memory limit: for stacks that could
// hang the CLI (a FIFO, /dev/zero), for the exact bytes of stdout, and to run as another user. No build needed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliResult } from "../helpers/cli.js";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));

// Vite's module runner (what vitest uses) loads src/ as it is, lazy imports of the command table included. Its cache
// goes to a directory of the run's own, never into the shared node_modules/.vite.
const SCRIPT = `
const { createServer } = await import("vite");
const server = await createServer({
  configFile: false, logLevel: "silent", appType: "custom", cacheDir: process.env.UNIBOX_TEST_VITE_CACHE,
  optimizeDeps: { noDiscovery: true, include: [] }, server: { middlewareMode: true, hmr: false, ws: false },
});
try {
  const { main } = await server.ssrLoadModule("/src/cli/main.ts");
  process.exitCode = await main(process.argv.slice(1));
} finally {
  await server.close();
}`;

// Reading /dev/zero grows by gigabytes a second: past this much data the child dies rather than the machine swapping.
const MAX_DATA_BYTES = 1024 ** 3;

/** `unibox ...args` in a child (as `user` when given), killed after `seconds`; `timedOut` says it had to be. */
export function runCliInChild(args: string[], options: { user?: string; seconds?: number } = {}): CliResult & { timedOut: boolean } {
  const seconds = options.seconds ?? 10;
  // Both limits are set inside runuser, so they reach the node process even when runuser stands between.
  const limits = ["prlimit", `--data=${MAX_DATA_BYTES}`, "timeout", "--signal=KILL", String(seconds)];
  const argv = [...limits, process.execPath, "--input-type=module", "-e", SCRIPT, ...args];
  const [command, ...rest] = options.user ? ["runuser", "-u", options.user, "--", ...argv] : argv;
  const cache = mkdtempSync(join(tmpdir(), "unibox-vite-"));
  try {
    const env = { ...process.env, UNIBOX_TEST_VITE_CACHE: cache };
    const r = spawnSync(command, rest, { cwd: REPO, env, encoding: "utf8", timeout: (seconds + 5) * 1000, killSignal: "SIGKILL" });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, timedOut: r.status === 137 || r.signal !== null };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

/** Whether `user` can read the sources (a checkout under a 0700 directory is not readable by `nobody`). */
export function canReadSources(user: string): boolean {
  return spawnSync("runuser", ["-u", user, "--", "test", "-r", `${REPO}/src/cli/main.ts`]).status === 0;
}

// The same loader, calling one exported function of a source module and printing its result (or its error) as JSON.
const CALL_SCRIPT = `
const { createServer } = await import("vite");
const server = await createServer({ configFile: false, logLevel: "silent", appType: "custom", cacheDir: process.env.UNIBOX_TEST_VITE_CACHE,
  optimizeDeps: { noDiscovery: true, include: [] }, server: { middlewareMode: true, hmr: false, ws: false } });
let out;
try {
  const m = await server.ssrLoadModule(process.env.UNIBOX_TEST_MODULE);
  try { out = { result: m[process.env.UNIBOX_TEST_FN](...JSON.parse(process.env.UNIBOX_TEST_ARGS)) }; }
  catch (e) { out = { error: { name: e.name, message: e.message } }; }
} finally { await server.close(); }
process.stdout.write(JSON.stringify(out));`;

/**
 * `fn(...args)` of the source module `modulePath` (e.g. "/src/image/tree-digest.ts") in a child node, killed after
 * 10 s and held to 1 GiB of data: a function that would hang on a FIFO or read /dev/zero fails the test instead
 * of the machine. Returns `{ result }` or `{ error: { name, message } }`.
 */
export function callInChild(modulePath: string, fn: string, args: unknown[]): { result?: unknown; error?: { name: string; message: string } } {
  const cache = mkdtempSync(join(tmpdir(), "unibox-vite-"));
  try {
    const r = spawnSync("prlimit", [`--data=${MAX_DATA_BYTES}`, "timeout", "--signal=KILL", "10", process.execPath, "--input-type=module", "-e", CALL_SCRIPT], {
      cwd: REPO,
      env: { ...process.env, UNIBOX_TEST_VITE_CACHE: cache, UNIBOX_TEST_MODULE: modulePath, UNIBOX_TEST_FN: fn, UNIBOX_TEST_ARGS: JSON.stringify(args) },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`the child ${r.signal || r.status === 137 ? "was killed: it hung past 10 s or ran out of memory" : `exited ${r.status}`}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
