// `unibox image build` as one function: resolve the recipe, fingerprint it, reuse an image that has that
// fingerprint, else describe (--dry-run) or run the target's build.
import { UsageError } from "../errors.js";
import type { Stack } from "../stack/types.js";
import { fingerprint } from "./fingerprint.js";
import { buildManifest, localImageId, newBuildId } from "./manifest.js";
import { renderProvisionScript } from "./provision/render.js";
import { resolveRecipe } from "./recipe.js";
import { allowsEverything } from "./secret-scan.js";
import type { Reporter } from "./runner.js";
import type { Store } from "./store.js";
import type { BuildInput, BuiltImage, PlannedResource, Target } from "./types.js";
import { payloadDigest, uniboxVersion } from "./unibox-payload.js";

export interface ImageBuildOptions {
  stack: Stack;
  target: Target;
  store: Store;
  dryRun: boolean;
  signal: AbortSignal;
  /** Made once the steps are known (the live list draws them all up front). */
  reporter(steps: { name: string; title: string }[]): Promise<{ reporter: Reporter; done(): Promise<void> }>;
  /** Lines for the user before the build starts (uncommitted changes not baked). */
  note(line: string): void;
  /** What an AWS builder installs unibox from (npm spec or tarball URL); default unibox@<this version>. */
  uniboxPackage?: string;
}

export type ImageBuildResult =
  | { kind: "reused"; image: BuiltImage; input: BuildInput }
  | { kind: "dry-run"; input: BuildInput; steps: { name: string; title: string }[]; resources: PlannedResource[] }
  | { kind: "built"; image: BuiltImage; input: BuildInput };

export async function imageBuild(options: ImageBuildOptions): Promise<ImageBuildResult> {
  const { stack, target, store, signal } = options;
  const silent = { signal, reporter: { stepStarted() {}, stepProgress() {}, stepFinished() {}, cleanupFinished() {} } };
  const base = await target.resolveBase(silent);
  const arch = "ami" in stack.image.base && stack.image.base.ami.architecture === "arm64" ? "arm64" : "x64";
  const { recipe, notes } = await resolveRecipe(stack, { base, runtimes: target.name === "local" ? "host" : "dist", arch, digestCache: store.cacheDir("runtimes", "host-digests.json"), readOnly: options.dryRun, signal });
  notes.forEach(options.note);
  if (allowsEverything(recipe.allowSecrets)) options.note(`image.yaml's allowSecrets lets every path through: the secret scan is off for this build`);
  if (target.name !== "local") {
    const local = recipe.repos.filter((r) => r.localPath);
    if (local.length > 0) {
      throw new UsageError(`the ${target.name} builder cannot reach local repos: ${local.map((r) => `${r.name} (${r.url})`).join(", ")}`, {
        details: ["Give their git URLs in image/image.yaml (the builder clones them at the resolved commit), or build with --target local."],
      });
    }
  }
  const version = uniboxVersion();
  const fp = fingerprint({ recipe, target: target.name, unibox: { version, digest: payloadDigest() } });
  const buildId = newBuildId();
  const manifest = buildManifest({ id: target.name === "local" ? localImageId(fp) : buildId, fingerprint: fp, target: target.name, recipe, uniboxVersion: version });
  const unrendered: BuildInput = { buildId, fingerprint: fp, recipe, manifest, provisionScript: "" };

  // Reuse first: a no-op rebuild renders no script.
  const existing = await target.findByFingerprint(fp, silent);
  if (existing) return { kind: "reused", image: existing, input: unrendered };
  const input: BuildInput = { ...unrendered, provisionScript: renderProvisionScript(unrendered, { poweroff: target.name === "ec2", uniboxPackage: options.uniboxPackage }) };
  if (options.dryRun) return { kind: "dry-run", input, ...target.describe(input) };

  if (target.name !== "local" && !options.uniboxPackage) {
    throw new UsageError(`the ${target.name} builder installs unibox with npm: set UNIBOX_PACKAGE to this unibox's npm spec or tarball URL`, {
      details: ["e.g. UNIBOX_PACKAGE=https://artifacts.example.com/unibox-0.1.0.tgz (npm pack makes the tarball); nothing was created."],
    });
  }
  const { steps } = target.describe(input);
  const view = await options.reporter(steps);
  try {
    const image = await target.build(input, { signal, reporter: view.reporter });
    return { kind: "built", image, input };
  } finally {
    await view.done();
  }
}
