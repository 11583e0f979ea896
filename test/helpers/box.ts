// A box on a temporary prefix, booted with the real runit, always torn down by pid after the test.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { boxPaths } from "../../src/runtime/paths.js";
import { listProcesses } from "../../src/runtime/processes.js";
import { pollUntil } from "../../src/shared/poll.js";
import { findRunsvdir, stopRunsvdir } from "../../src/runtime/runsvdir.js";
import { runCli, runJson, type CliResult } from "./cli.js";
import { writeStack, type StackFile } from "./stack-dir.js";

export const REVIEW_TAGS = { "unibox:mode": "review", "unibox:box": "test" };

export interface TestBox {
  root: string;
  prefix: string;
  tagsFile: string;
  paths: ReturnType<typeof boxPaths>;
  boot(...extra: string[]): Promise<CliResult>;
  /** `boot --json`: the report (added, changed, removed, unchanged, runsvdir). */
  bootJson(...extra: string[]): Promise<any>;
  status(): Promise<{ instances: { name: string; state: string; pid: number | null; healthy: boolean; lastExit: unknown }[] }>;
  down(...extra: string[]): Promise<CliResult>;
  /** The pid runsv reports for an instance (the app: exec all the way). */
  pid(instance: string): number;
  setTags(tags: Record<string, string>): void;
}

/** A stack from `files` (on an empty base) and a prefix to boot it under; torn down when the test ends. */
export function testBox(files: Record<string, StackFile>, tags: Record<string, string> = REVIEW_TAGS): TestBox {
  const root = writeStack({ "image/image.yaml": "base: host\n", ...files }, "empty");
  const prefix = mkdtempSync(join(tmpdir(), "unibox-box-"));
  // mkdtemp makes it 0700: service users could not reach their state directories under it.
  chmodSync(prefix, 0o755);
  const tagsFile = join(prefix, "..", `${prefix.split("/").pop()}.tags.json`);
  writeFileSync(tagsFile, JSON.stringify(tags));
  const paths = boxPaths(prefix);
  const common = ["--root", root, "--prefix", prefix];
  let statusPort: number | undefined;
  const box: TestBox = {
    root,
    prefix,
    tagsFile,
    paths,
    // Each box gets a port of its own for unibox.status: test files run side by side.
    boot: async (...extra) => runCli(["boot", ...common, "--tags-file", tagsFile, "--status-port", String((statusPort ??= await freePort())), ...extra]),
    bootJson: async (...extra) => runJson(["boot", ...common, "--tags-file", tagsFile, "--status-port", String((statusPort ??= await freePort())), ...extra]),
    status: () => runJson(["status", "--prefix", prefix]),
    down: (...extra) => runCli(["down", "--prefix", prefix, ...extra]),
    pid: (instance) => Number(readFileSync(`${paths.sv(instance)}/supervise/pid`, "utf8")),
    setTags: (t) => writeFileSync(tagsFile, JSON.stringify(t)),
  };
  onTestFinished(async () => {
    await teardown(box);
    rmSync(tagsFile, { force: true });
    rmSync(prefix, { recursive: true, force: true });
  });
  return box;
}

/** `down --reset`; should that fail, HUP the runsvdir by pid so nothing outlives the test. */
export async function teardown(box: TestBox): Promise<void> {
  if (existsSync(box.paths.planFile)) await box.down("--reset");
  // Found by its arguments even when its directory is gone (a file system unmounted under it).
  const dir = box.paths.serviceDir;
  if (findRunsvdir(dir).length > 0) {
    await stopRunsvdir(dir);
  }
}

/** Polls `unibox status` until `predicate` holds (bounded). */
export async function waitForStatus(box: TestBox, predicate: (s: Awaited<ReturnType<TestBox["status"]>>) => boolean, timeoutMs = 15_000) {
  let last: Awaited<ReturnType<TestBox["status"]>> | undefined;
  const ok = await pollUntil(async () => predicate((last = await box.status())), timeoutMs, 100);
  if (!ok) throw new Error(`status did not reach the expected state in ${timeoutMs} ms: ${JSON.stringify(last)}`);
  return last!;
}

/** Pids of live, non-zombie processes in process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  return listProcesses()
    .filter((p) => p.pgid === pgid && p.state !== "Z")
    .map((p) => p.pid);
}

/** A TCP port nothing listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
