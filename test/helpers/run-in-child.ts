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
