// The fingerprint: one sha256 over everything that makes an image what it is. Same fingerprint, same image:
// the build is skipped. Inputs: the recipe resolved (base id, users, packages, runtimes at exact versions and
// digests, each repo's commit (or, for a folder of a larger work tree, its tree) and build steps), every stack definition file, unibox's own payload, the target.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedRecipe, TargetName } from "./types.js";

export interface FingerprintInputs {
  recipe: ResolvedRecipe;
  target: TargetName;
  /** payloadDigest(): unibox's own files. */
  unibox: { version: string; digest: string };
}

/** The hex sha256 of the canonical JSON of the inputs (keys in a fixed order, files by path). */
export function fingerprint({ recipe, target, unibox }: FingerprintInputs): string {
  const doc = {
    v: 1,
    target,
    base: recipe.base.id,
    buildUser: recipe.buildUser,
    serviceUsers: recipe.serviceUsers,
    packages: recipe.packages,
    runtimes: recipe.runtimes.map((r) => [r.name, r.version, r.archive?.sha256 ?? r.host?.sha256 ?? ""]),
    repos: recipe.repos.map((r) => [r.name, r.url, r.tree ?? r.commit, r.build]),
    stack: recipe.stackFiles.map((f) => [f, createHash("sha256").update(readFileSync(join(recipe.stackRoot, f))).digest("hex")]),
    unibox: [unibox.version, unibox.digest],
  };
  return createHash("sha256").update(JSON.stringify(doc)).digest("hex");
}

/** What a repo's cached build depends on: the same key, the same built checkout. */
export function repoBuildKey(recipe: ResolvedRecipe, repo: ResolvedRecipe["repos"][number]): string {
  const doc = [repo.tree ?? repo.commit, repo.build, recipe.buildUser, recipe.base.id, recipe.runtimes.map((r) => [r.name, r.version, r.archive?.sha256 ?? r.host?.sha256 ?? ""])];
  return createHash("sha256").update(JSON.stringify(doc)).digest("hex");
}
