// Git repositories for tests: a work tree with files committed, its commit id, and more commits on demand.
import { execFileSync } from "node:child_process";

const ENV = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.test", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.test", GIT_CONFIG_NOSYSTEM: "1" };

/** Runs git in `dir` and returns its trimmed stdout. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], { env: ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** Makes `dir` a git work tree (branch main) with everything in it committed; returns the commit id. */
export function initRepo(dir: string): string {
  git(dir, "init", "-q", "-b", "main");
  return commitAll(dir, "first");
}

/** Commits everything in the work tree; returns the new commit id. */
export function commitAll(dir: string, message: string): string {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}
