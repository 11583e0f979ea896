// A BuildInput for the provisioning script's tests (and the debootstrap chroot test): the sample stack's
// recipe with fixed, fake identities (fingerprint, commits, digests). Exported and stable: others import it.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stackFiles } from "../../../src/image/recipe.js";
import type { BuildInput, Manifest, ResolvedRecipe } from "../../../src/image/types.js";

/** The checkout's root: the sample stack (roles/, envdirs/, image/, apps/api). */
export const SAMPLE_STACK = fileURLToPath(new URL("../../..", import.meta.url));

/** What a test may change; the rest stays as below. */
export interface FixtureOverrides {
  buildId?: string;
  fingerprint?: string;
  recipe?: Partial<ResolvedRecipe>;
}

/** The stack definition files under `root` (roles/, envdirs/, image/), relative and sorted, as the recipe lists them. */
export function stackFilesOf(root: string): string[] {
  // What a build bakes: the sample stack's image.yaml also includes support/.
  return stackFiles(root, root === SAMPLE_STACK ? ["support"] : []);
}

/** A BuildInput whose manifest agrees with its recipe; provisionScript is left empty (render it). */
export function buildInputFixture(overrides: FixtureOverrides = {}): BuildInput {
  const fingerprint = overrides.fingerprint ?? "f".repeat(64);
  const buildId = overrides.buildId ?? "ub-test";
  const stackRoot = overrides.recipe?.stackRoot ?? SAMPLE_STACK;
  const recipe: ResolvedRecipe = {
    stackRoot,
    base: { id: "ami-0123456789abcdef0", name: "debian-12-amd64-20240101-0000", created: "2024-01-01T00:00:00.000Z" },
    buildUser: "unibox",
    serviceUsers: ["postgres", "redis", "unibox", "www-data"],
    packages: ["runit", "nginx", "postgresql", "redis-server", "curl"],
    runtimes: [
      {
        name: "node",
        requested: "20",
        version: "20.20.2",
        archive: { url: "http://127.0.0.1:1/v20.20.2/node-v20.20.2-linux-x64.tar.xz", sha256: "a".repeat(64) },
      },
    ],
    repos: [{ name: "api", url: "./apps/api", ref: "HEAD", commit: "c".repeat(40), build: ["npm ci --omit=dev"], localPath: join(SAMPLE_STACK, "apps/api") }],
    stackFiles: stackFilesOf(stackRoot),
    allowSecrets: [],
    ...overrides.recipe,
  };
  const manifest: Manifest = {
    schema: "unibox.manifest/v1",
    id: "ami-pending",
    fingerprint,
    target: "ec2",
    created: "2024-01-02T03:04:05.000Z",
    base: recipe.base,
    repos: Object.fromEntries(recipe.repos.map((r) => [r.name, { url: r.url, ref: r.ref, commit: r.commit, build: r.build }])),
    runtimes: Object.fromEntries(
      recipe.runtimes.map((r) => [r.name, { version: r.version, sha256: r.archive?.sha256 ?? r.host?.sha256 ?? "", source: r.archive?.url ?? `host:${r.host?.path}` }]),
    ),
    packages: recipe.packages,
    unibox: { version: "0.1.0" },
    builder: { id: "unibox@0.1.0", host: "ci-runner-1" },
  };
  return { buildId, fingerprint, recipe, manifest, provisionScript: "" };
}
