// The sample stack's build input as `unibox image build --target ec2` resolves it, with node taken from a loopback
// mirror (image.yaml's `mirrors.node`), and its sources staged where the provisioning script looks for them.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fingerprint } from "../../../src/image/fingerprint.js";
import { archiveCommit, workTreeOf } from "../../../src/image/git.js";
import { buildManifest, newBuildId } from "../../../src/image/manifest.js";
import { renderProvisionScript } from "../../../src/image/provision/render.js";
import { resolveRecipe } from "../../../src/image/recipe.js";
import type { BaseImage, BuildInput, ResolvedRecipe } from "../../../src/image/types.js";
import { payloadDigest, uniboxVersion, writePayloadTar } from "../../../src/image/unibox-payload.js";
import { loadStack } from "../../../src/stack/load.js";

/** This checkout: the sample stack (roles/, envdirs/, image/, apps/api) and unibox itself. */
export const SAMPLE_STACK = fileURLToPath(new URL("../../..", import.meta.url));

/** What the chroot stands in for: Debian's AMI, here debootstrap's bookworm. */
export const CHROOT_BASE_IMAGE: BaseImage = { id: "debootstrap:bookworm-minbase", name: "Debian GNU/Linux 12 (bookworm), debootstrap minbase" };

/** The sample stack resolved for the ec2 target, node from `nodeMirror` (a nodejs.org/dist layout), the script rendered without poweroff. */
export async function sampleBuildInput(nodeMirror: string): Promise<BuildInput> {
  const loaded = loadStack(SAMPLE_STACK);
  const stack = { ...loaded, image: { ...loaded.image, mirrors: { ...loaded.image.mirrors, node: nodeMirror } } };
  const { recipe } = await resolveRecipe(stack, { base: CHROOT_BASE_IMAGE, runtimes: "dist", arch: "x64" });
  return inputFor(recipe);
}

/** The same build with each repo's build steps replaced by `steps(old)`: a new fingerprint and script. */
export function withBuildSteps(input: BuildInput, steps: (old: string[]) => string[]): BuildInput {
  return inputFor({ ...input.recipe, repos: input.recipe.repos.map((r) => ({ ...r, build: steps(r.build) })) });
}

function inputFor(recipe: ResolvedRecipe): BuildInput {
  const version = uniboxVersion();
  const fp = fingerprint({ recipe, target: "ec2", unibox: { version, digest: payloadDigest() } });
  const manifest = buildManifest({ id: "ami-chroot-test", fingerprint: fp, target: "ec2", recipe, uniboxVersion: version });
  const input: BuildInput = { buildId: newBuildId(), fingerprint: fp, recipe, manifest, provisionScript: "" };
  return { ...input, provisionScript: renderProvisionScript(input, { poweroff: false }) };
}

/** Writes `<repo>.tar` (git archive of each local repo at its commit) and `unibox.tar` into `dir`, as SPEC.md's UNIBOX_SOURCES. */
export async function stageSources(dir: string, recipe: ResolvedRecipe): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const repo of recipe.repos) {
    if (!repo.localPath) continue;
    const tree = await workTreeOf(repo.localPath);
    if (!tree) throw new Error(`repo ${repo.name}: expected ${repo.localPath} in a git work tree, found none`);
    await archiveCommit(tree.top, repo.commit, tree.sub, join(dir, `${repo.name}.tar`));
  }
  await writePayloadTar(join(dir, "unibox.tar"));
}
