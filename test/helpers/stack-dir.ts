// Throwaway stack definitions for tests: a minimal valid stack in a temp dir, with files added, replaced or removed.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { onTestFinished } from "vitest";
import { runCli, type CliResult } from "./cli.js";

/** File contents, a symlink to create (target as written), or null to remove a file of the base stack. */
export type StackFile = string | { symlink: string } | null;

/** The smallest valid stack: one local repo, one service `api` with one component `main` on port 3000. */
const MINIMAL: Record<string, string> = {
  "image/image.yaml": "base: host\nrepos:\n  - name: api\n    url: ./apps/api\n",
  "apps/api/README": "the api repo\n",
  "roles/api.yaml": "repo: api\ncommand: node server.js\nport: 3000\n",
};

/**
 * Writes `base` merged with `files` (paths relative to the stack root) into a new temp dir and returns it.
 * Inside a test the dir is removed when the test finishes; elsewhere, call `removeStack`.
 */
export function writeStack(files: Record<string, StackFile> = {}, base: "minimal" | "empty" = "minimal"): string {
  const root = mkdtempSync(join(tmpdir(), "unibox-stack-"));
  // Service users run in it (the working directory of roles without a repo): let them in, as a checkout is.
  chmodSync(root, 0o755);
  const merged: Record<string, StackFile> = { ...(base === "minimal" ? MINIMAL : {}), ...files };
  for (const [rel, content] of Object.entries(merged)) {
    if (content === null) continue;
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof content === "string") writeFileSync(path, content);
    else symlinkSync(content.symlink, path);
  }
  try {
    onTestFinished(() => removeStack(root));
  } catch {
    // not inside a test: the caller removes it
  }
  return root;
}

export function removeStack(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** Runs `unibox validate --root DIR` in-process; returns the exit code and what it printed. */
export function runValidate(root: string, ...extra: string[]): Promise<CliResult> {
  return runCli(["validate", "--root", root, ...extra]);
}
