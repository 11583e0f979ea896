// A promoted image: the reviewed box's image tree, hard-linked (no data copied), with a manifest that names the
// promotion and a provenance statement that proves it: the box, its parent image and that image's digest, every
// repo commit the box ran, and when its health was verified. Only manifest.json differs from the parent's tree,
// so the parent's digest lines are reused with that one line changed.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { RuntimeFailure } from "../errors.js";
import { SLSA_PROVENANCE_V1, STATEMENT_TYPE, SUBJECT_NAME, type InTotoStatement } from "./provenance.js";
import { ENTRIES_FILE, ensureStore, IMAGE_FILE, STATEMENT_FILE, type Store, type StoredImage } from "./store.js";
import { diffTrees, digestOfLines, parseTreeLines, treeEntries, treeLines } from "./tree-digest.js";
import { linkTree, removeTree } from "./tree-ops.js";
import type { Manifest, Promotion } from "./types.js";

/** Ours, like the image build's: what a promotion statement's parameters mean. */
export const UNIBOX_PROMOTE_TYPE = "https://unibox.dev/promote/v1";

export async function promoteImage(store: Store, parent: StoredImage, promotion: Omit<Promotion, "parentImage">, now = new Date()): Promise<StoredImage> {
  // The box ran the parent's tree: it is checked against its sealed digest first, so what is promoted is what was
  // sealed (hard links share inodes: a file changed in one image changes every image holding it).
  const parentEntries = treeEntries(join(parent.dir, "tree/opt/unibox"));
  const parentDigest = digestOfLines(treeLines(parentEntries));
  if (parentDigest !== parent.treeDigest) {
    const diff = diffTrees(parseTreeLines(readFileSync(join(parent.dir, ENTRIES_FILE), "utf8")), parentEntries);
    throw new RuntimeFailure(`${parent.id}, the image the box ran, no longer matches its sealed digest (${parentDigest}, sealed ${parent.treeDigest}): not promoted`, {
      details: [...diff.added.map((p) => `added:   opt/unibox/${p}`), ...diff.removed.map((p) => `removed: opt/unibox/${p}`), ...diff.changed.map((c) => `changed: opt/unibox/${c.path}`), "Find out who changed it; build the image again and review a box of it."],
    });
  }
  // The manifest as baked in the tree (image.json beside it is not covered by the digest).
  parent = { ...parent, manifest: JSON.parse(readFileSync(join(parent.dir, "tree/opt/unibox/manifest.json"), "utf8")) as Manifest };
  const full: Promotion = { ...promotion, parentImage: { id: parent.id, treeDigest: parent.treeDigest, fingerprint: parent.fingerprint } };
  const fingerprint = createHash("sha256").update(JSON.stringify({ promote: full })).digest("hex");
  const id = `img-${fingerprint.slice(0, 12)}`;
  const created = now.toISOString();
  const manifest: Manifest = { ...parent.manifest, id, fingerprint, created, promotion: full };
  ensureStore(store);
  const building = store.buildingDir(`promote-${randomBytes(6).toString("hex")}`);
  try {
    const tree = join(building, "tree");
    const opt = join(tree, "opt/unibox");
    mkdirSync(building, { mode: 0o755 });
    writeFileSync(join(building, "pid"), String(process.pid));
    await linkTree(join(parent.dir, "tree"), tree);
    // The one file that differs: unlinked (it is the parent's inode) and written anew.
    chmodSync(opt, 0o755);
    unlinkSync(join(opt, "manifest.json"));
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    writeFileSync(join(opt, "manifest.json"), manifestText, { mode: 0o444 });
    chmodSync(opt, 0o555);
    const entries = parentEntries.map((e) =>
      e.path === "manifest.json" ? { ...e, mode: 0o444, content: createHash("sha256").update(manifestText).digest("hex") } : e,
    );
    if (!entries.some((e) => e.path === "manifest.json")) throw new RuntimeFailure(`${parent.id}'s ${ENTRIES_FILE} has no manifest.json: not an image unibox sealed`);
    const lines = treeLines(entries);
    const treeDigest = digestOfLines(lines);
    writeFileSync(join(building, ENTRIES_FILE), lines, { mode: 0o444 });
    const meta: Omit<StoredImage, "dir"> = { id, fingerprint, created, manifest, treeDigest, promotedFrom: promotion.box };
    const statement = promotionStatement(manifest, full, treeDigest, created);
    for (const [name, value] of [[IMAGE_FILE, meta], ["manifest.json", manifest], [STATEMENT_FILE, statement]] as const) {
      writeFileSync(join(building, name), `${JSON.stringify(value, null, 2)}\n`, { mode: 0o444 });
    }
    rmSync(join(building, "pid"), { force: true });
    chmodSync(building, 0o555);
    renameSync(building, store.imageDir(id));
    return { ...meta, dir: store.imageDir(id) };
  } catch (error) {
    await removeTree(building);
    throw error;
  }
}

/** The in-toto statement of a promotion: SLSA Provenance v1 whose build is the review and the imaging. */
export function promotionStatement(manifest: Manifest, promotion: Promotion, treeDigest: string, finishedOn: string): InTotoStatement {
  const sha256 = treeDigest.replace(/^sha256:/, "");
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: SUBJECT_NAME, digest: { sha256 }, annotations: { image: manifest.id } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: UNIBOX_PROMOTE_TYPE,
        externalParameters: { box: promotion.box, refs: promotion.refs, ...(promotion.stackRef ? { stackRef: promotion.stackRef } : {}), parentImage: promotion.parentImage.id },
        internalParameters: { healthVerifiedAt: promotion.healthVerifiedAt },
        resolvedDependencies: [
          { name: "parent-image", uri: `unibox-image:${promotion.parentImage.id}`, digest: { sha256: promotion.parentImage.treeDigest.replace(/^sha256:/, "") }, annotations: { fingerprint: promotion.parentImage.fingerprint } },
          ...Object.entries(promotion.repos).map(([name, commit]) => ({ name, uri: `git+${manifest.repos[name]?.url ?? name}`, digest: { gitCommit: commit } })),
        ],
      },
      runDetails: {
        builder: { id: "https://unibox.dev/promote/local", version: { unibox: manifest.unibox.version } },
        metadata: { invocationId: manifest.id, startedOn: promotion.healthVerifiedAt, finishedOn },
      },
    },
  };
}

/**
 * What `image verify` checks of a promoted image beyond its digest: the statement says what the manifest says
 * (box, parent, health time, every repo commit), the commits are the ones baked, and the parent, when still in the
 * store, has the digest the statement names.
 */
export function verifyPromotion(image: StoredImage, statement: InTotoStatement, findParent: (id: string) => StoredImage | undefined): string[] {
  // The claims are read from the manifest inside the digested tree; image.json beside it must say the same.
  let baked: Manifest;
  try {
    baked = JSON.parse(readFileSync(join(image.dir, "tree/opt/unibox/manifest.json"), "utf8")) as Manifest;
  } catch (err) {
    return [`cannot read the image's own manifest.json: ${(err as Error).message}`];
  }
  const promotion = baked.promotion;
  if (!promotion) return image.manifest.promotion ? ["image.json claims a promotion the manifest in the tree does not record"] : [];
  const problems: string[] = [];
  if (JSON.stringify(baked) !== JSON.stringify(image.manifest)) problems.push(`${IMAGE_FILE}'s manifest differs from the manifest in the tree (opt/unibox/manifest.json): image.json was changed`);
  image = { ...image, manifest: baked };
  const def = statement.predicate?.buildDefinition;
  if (def?.buildType !== UNIBOX_PROMOTE_TYPE) problems.push(`the statement's buildType is ${JSON.stringify(def?.buildType)}, expected ${UNIBOX_PROMOTE_TYPE} for a promoted image`);
  if (def?.externalParameters?.box !== promotion.box) problems.push(`the statement names box ${JSON.stringify(def?.externalParameters?.box)}, the manifest ${promotion.box}`);
  if (def?.internalParameters?.healthVerifiedAt !== promotion.healthVerifiedAt) problems.push(`the statement says health was verified at ${JSON.stringify(def?.internalParameters?.healthVerifiedAt)}, the manifest ${promotion.healthVerifiedAt}`);
  const deps = def?.resolvedDependencies ?? [];
  const parentDep = deps.find((d) => d.name === "parent-image");
  if (parentDep?.uri !== `unibox-image:${promotion.parentImage.id}` || `sha256:${parentDep?.digest?.sha256}` !== promotion.parentImage.treeDigest) {
    problems.push(`the statement's parent image is ${parentDep?.uri ?? "missing"} ${parentDep?.digest?.sha256 ?? ""}, the manifest's ${promotion.parentImage.id} ${promotion.parentImage.treeDigest}`);
  }
  for (const [name, repo] of Object.entries(image.manifest.repos)) {
    const dep = deps.find((d) => d.name === name);
    if (dep?.digest?.gitCommit !== repo.commit || promotion.repos[name] !== repo.commit) {
      problems.push(`repo ${name}: baked ${repo.commit}, the box ran ${promotion.repos[name] ?? "nothing"}, the statement says ${dep?.digest?.gitCommit ?? "nothing"}`);
    }
  }
  const parent = findParent(promotion.parentImage.id);
  if (parent && parent.treeDigest !== promotion.parentImage.treeDigest) {
    problems.push(`the parent image ${parent.id} in the store has digest ${parent.treeDigest}, the promotion recorded ${promotion.parentImage.treeDigest}`);
  }
  return problems;
}
