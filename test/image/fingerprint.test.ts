import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fingerprint, repoBuildKey, type FingerprintInputs } from "../../src/image/fingerprint.js";
import type { ResolvedRecipe } from "../../src/image/types.js";
import { writeStack } from "../helpers/stack-dir.js";

function inputs(root: string): FingerprintInputs {
  const recipe: ResolvedRecipe = {
    stackRoot: root,
    base: { id: "ami-0123456789abcdef0", name: "debian-12-amd64-20261101-1" },
    buildUser: "unibox",
    serviceUsers: ["postgres", "unibox"],
    packages: ["runit", "nginx"],
    runtimes: [{ name: "node", requested: "20", version: "20.20.2", archive: { url: "https://nodejs.org/dist/v20.20.2/node-v20.20.2-linux-x64.tar.xz", sha256: "a".repeat(64) } }],
    repos: [
      { name: "api", url: "https://git.example/api.git", ref: "main", commit: "1".repeat(40), build: ["npm ci --omit=dev"] },
      { name: "web", url: "https://git.example/web.git", ref: "main", commit: "2".repeat(40), build: ["npm ci", "npm run build"] },
    ],
    stackFiles: ["image/image.yaml", "roles/api.yaml"],
    allowSecrets: [],
  };
  return { recipe, target: "ec2", unibox: { version: "0.1.0", digest: "b".repeat(64) } };
}

describe("the image fingerprint", () => {
  it("is the same for the same inputs, whatever the run", () => {
    const root = writeStack();
    expect(fingerprint(inputs(root))).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint(inputs(root))).toBe(fingerprint(inputs(root)));
  });

  it.each<[string, (i: FingerprintInputs) => void]>([
    ["a repo's commit", (i) => (i.recipe.repos[0].commit = "3".repeat(40))],
    ["a repo's build steps", (i) => i.recipe.repos[1].build.push("npm test")],
    ["the runtime version", (i) => (i.recipe.runtimes[0].version = "20.20.3")],
    ["the runtime archive's digest", (i) => (i.recipe.runtimes[0].archive!.sha256 = "c".repeat(64))],
    ["the base image", (i) => (i.recipe.base.id = "ami-0fedcba9876543210")],
    ["the packages", (i) => i.recipe.packages.push("redis-server")],
    ["the service users", (i) => i.recipe.serviceUsers.push("redis")],
    ["unibox's version", (i) => (i.unibox.version = "0.2.0")],
    ["unibox's own files", (i) => (i.unibox.digest = "d".repeat(64))],
    ["the target", (i) => (i.target = "imagebuilder")],
    ["a stack file's contents", (i) => writeFileSync(join(i.recipe.stackRoot, "roles/api.yaml"), "repo: api\ncommand: node other.js\nport: 3000\n")],
  ])("changes when %s changes", (_what, change) => {
    const root = writeStack();
    const before = fingerprint(inputs(root));
    const changed = inputs(root);
    change(changed);
    expect(fingerprint(changed)).not.toBe(before);
  });

  it("keys a repo's cached build by its own commit and steps: another repo's change leaves it alone", () => {
    const root = writeStack();
    const a = inputs(root);
    const b = inputs(root);
    b.recipe.repos[1].commit = "4".repeat(40);
    expect(repoBuildKey(b.recipe, b.recipe.repos[0])).toBe(repoBuildKey(a.recipe, a.recipe.repos[0]));
    expect(repoBuildKey(b.recipe, b.recipe.repos[1])).not.toBe(repoBuildKey(a.recipe, a.recipe.repos[1]));
    b.recipe.runtimes[0].version = "20.20.3";
    expect(repoBuildKey(b.recipe, b.recipe.repos[0])).not.toBe(repoBuildKey(a.recipe, a.recipe.repos[0]));
  });
});
