// manifest.json: where everything in an image came from, written at /opt/unibox/manifest.json and as AMI tags.
import { hostname } from "node:os";
import type { BuildInput, Manifest, ResolvedRecipe, TargetName } from "./types.js";

/** The CI run's URL when the CI environment names one (GitHub Actions, GitLab, Jenkins, CircleCI, Buildkite). */
export function ciRunUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  return env.CI_JOB_URL || env.BUILD_URL || env.CIRCLE_BUILD_URL || env.BUILDKITE_BUILD_URL || undefined;
}

/** A build id: sortable by time, unique enough to tag every resource of one build. */
export function newBuildId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-").toLowerCase();
  return `ub-${t}-${Math.random().toString(16).slice(2, 8)}`;
}

/** The local store's id of the image with this fingerprint (AWS targets use the AMI id). */
export function localImageId(fingerprint: string): string {
  return `img-${fingerprint.slice(0, 12)}`;
}

export function buildManifest(args: { id: string; fingerprint: string; target: TargetName; recipe: ResolvedRecipe; uniboxVersion: string; now?: Date; env?: NodeJS.ProcessEnv }): Manifest {
  const { recipe } = args;
  const ci = ciRunUrl(args.env);
  return {
    schema: "unibox.manifest/v1",
    id: args.id,
    fingerprint: args.fingerprint,
    target: args.target,
    created: (args.now ?? new Date()).toISOString(),
    base: recipe.base,
    repos: Object.fromEntries(recipe.repos.map((r) => [r.name, { url: r.url, ref: r.ref, commit: r.commit, build: r.build }])),
    runtimes: Object.fromEntries(
      recipe.runtimes.map((r) => [r.name, { version: r.version, sha256: r.archive?.sha256 ?? r.host?.sha256 ?? "", source: r.archive?.url ?? `host:${r.host?.path}` }]),
    ),
    packages: recipe.packages,
    unibox: { version: args.uniboxVersion },
    builder: { id: `unibox@${args.uniboxVersion}`, host: hostname() },
    ...(ci ? { ciRunUrl: ci } : {}),
  };
}

/** The build's input for a target: everything but the script, which the provisioning module renders from it. */
export type BuildInputWithoutScript = Omit<BuildInput, "provisionScript">;
