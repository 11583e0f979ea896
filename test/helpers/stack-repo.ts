// A stack definition in a git work tree of its own (committed), with the local image store inside it
// (`.unibox/`, ignored): what the image, review-box and promotion tests build and boot from. The root is 0755:
// service users reach their checkouts and state through it.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { initRepo } from "./git-repo.js";

export interface StackRepo {
  root: string;
  store: string;
  /** Writes `text` at `rel` under the root (its directories made); commit it with git-repo's commitAll. */
  write(rel: string, text: string): void;
}

/** `files` written under a new temp root, `.unibox/` ignored, everything committed on branch main. */
export function stackRepo(prefix: string, files: Record<string, string>): StackRepo {
  const root = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(root, 0o755);
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  write(".gitignore", ".unibox/\n");
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  initRepo(root);
  return { root, store: join(root, ".unibox"), write };
}

/** image/image.yaml of one local repo `app` at ./apps/app on the host's node, with optional build steps. */
export function appImageYaml(build?: string): string {
  return `base: host\nruntimes:\n  node: "${process.versions.node.split(".")[0]}"\nrepos:\n  - name: app\n    url: ./apps/app\n${build ? `    build: [${JSON.stringify(build)}]\n` : ""}`;
}
