// The local image store (`--store`, default `<stack root>/.unibox`): sealed images by id, the per-repo build
// cache, and the temporary dirs of builds in progress. An image appears under its id only when sealed (a
// rename), so a killed build leaves nothing `image ls` shows or a later build reuses.
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { realPath } from "../runtime/paths.js";
import { checkNotWritableByOthers, checkOwnedByUs } from "../shared/writable.js";
import { RuntimeFailure, UsageError } from "../errors.js";
import type { Manifest } from "./types.js";

/** `<store>/images/<id>/image.json`: what `image ls` lists. */
export interface StoredImage {
  id: string;
  fingerprint: string;
  created: string;
  /** `<store>/images/<id>`. */
  dir: string;
  manifest: Manifest;
  treeDigest: string;
  /** The review box a promoted image was made from (its proof is `manifest.promotion`). */
  promotedFrom?: string;
}

export interface Store {
  root: string;
  imagesDir: string;
  /** `<store>/images/<id>`: image.json, manifest.json, provenance.intoto.json, tree/ */
  imageDir(id: string): string;
  /** `<store>/images/<id>/tree`: the image's root; `tree/opt/unibox` is what a box runs. */
  treeDir(id: string): string;
  /** `<store>/cache/repos/<name>-<key>`: a repo built at a commit with given steps, runtime and base. */
  repoCacheDir(name: string, key: string): string;
  /** `<store>/cache/<kind>/…`: cached runtimes and unibox payloads. */
  cacheDir(...parts: string[]): string;
  /** `<store>/images/.building-<buildId>`: a build in progress (ignored by ls and reuse). */
  buildingDir(buildId: string): string;
}

export const IMAGE_FILE = "image.json";

/** The store a command uses: `--store`, else `.unibox/` in the stack root. */
export function storeDir(root: string, store?: string): string {
  return store ? resolve(store) : join(resolve(root), ".unibox");
}
export const STATEMENT_FILE = "provenance.intoto.json";
/** The sealed tree's entry list (the digest's own lines), so `image verify` can say which files differ. */
export const ENTRIES_FILE = "tree.entries";

export function openStore(root: string): Store {
  // Every symlink on the way resolved once, here: what is checked is what is used, not re-read through a link
  // someone could repoint in between.
  const abs = realPath(root);
  const imagesDir = join(abs, "images");
  return {
    root: abs,
    imagesDir,
    imageDir: (id) => join(imagesDir, id),
    treeDir: (id) => join(imagesDir, id, "tree"),
    repoCacheDir: (name, key) => join(abs, "cache", "repos", `${name}-${key.slice(0, 16)}`),
    cacheDir: (...parts) => join(abs, "cache", ...parts),
    buildingDir: (buildId) => join(imagesDir, `.building-${buildId}`),
  };
}

/**
 * The same store with its images kept in `<store>/<dirName>` instead of `images/`: review boxes' own images (a
 * repo at another ref) live in `review-images/`, sharing the build cache, so `image ls` and the image a review
 * box starts from by default are only what `image build` made (and `promote`).
 */
export function imagesIn(store: Store, dirName: string): Store {
  const imagesDir = join(store.root, dirName);
  return { ...store, imagesDir, imageDir: (id) => join(imagesDir, id), treeDir: (id) => join(imagesDir, id, "tree"), buildingDir: (buildId) => join(imagesDir, `.building-${buildId}`) };
}

/** Where review boxes' images are kept. */
export const REVIEW_IMAGES = "review-images";

/** An image in the store, made by `image build` or `promote` (images/) or for a review box (review-images/). */
export function findImage(store: Store, id: string): StoredImage | undefined {
  return readImage(store, id) ?? readImage(imagesIn(store, REVIEW_IMAGES), id);
}

/** Makes the store's folders (0755: service users must reach the baked checkouts through them). */
export function ensureStore(store: Store): void {
  for (const dir of [store.root, store.imagesDir]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  // The cache can be passed through (a build step reaches its own checkout in it) but not listed: no build
  // finds another's checkout there. Its entries reach images as hard links, which need no way through it.
  for (const dir of [store.cacheDir(), store.cacheDir("repos")]) {
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    chmodSync(dir, 0o711);
  }
}

/** Every sealed image, newest first; a folder whose image.json is missing or unreadable is skipped. */
export function listImages(store: Store): StoredImage[] {
  if (!existsSync(store.imagesDir)) return [];
  const images: StoredImage[] = [];
  for (const name of readdirSync(store.imagesDir)) {
    if (name.startsWith(".")) continue;
    const image = readImage(store, name);
    if (image) images.push(image);
  }
  return images.sort((a, b) => b.created.localeCompare(a.created));
}

/** The sealed image `id`, or undefined when there is none or what is there is not one unibox sealed. */
export function readImage(store: Store, id: string): StoredImage | undefined {
  return inspectImage(store, id).image;
}

/** The sealed image `id`, or why what is under that name is not one. */
export function inspectImage(store: Store, id: string): { image?: StoredImage; problem?: string } {
  if (!/^img-[0-9a-f]{12}$/.test(id)) return { problem: "not an image id (img- and 12 hex digits)" };
  const dir = store.imageDir(id);
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st) return { problem: "no such image" };
  if (!st.isDirectory()) return { problem: `${dir} is not a directory` };
  // Sealed by this user (root on a box): an image someone else put there is not run.
  if (st.uid !== process.getuid?.()) return { problem: `${dir} is owned by uid ${st.uid}, not by this user: not an image this store sealed` };
  let meta: Partial<StoredImage>;
  try {
    meta = JSON.parse(readFileSync(join(dir, IMAGE_FILE), "utf8")) as Partial<StoredImage>;
  } catch (err) {
    return { problem: `${join(dir, IMAGE_FILE)} cannot be read: ${(err as Error).message}` };
  }
  const fine =
    meta !== null &&
    typeof meta === "object" &&
    meta.id === id &&
    typeof meta.fingerprint === "string" &&
    id === `img-${meta.fingerprint.slice(0, 12)}` &&
    typeof meta.created === "string" &&
    typeof meta.treeDigest === "string" &&
    typeof meta.manifest === "object" &&
    meta.manifest !== null &&
    typeof meta.manifest.repos === "object";
  if (!fine) return { problem: `${join(dir, IMAGE_FILE)} is not what a sealed image holds (id, fingerprint, created, treeDigest, manifest)` };
  if (!existsSync(join(dir, STATEMENT_FILE))) return { problem: `${dir} has no provenance statement` };
  return { image: { ...(meta as StoredImage), dir } };
}

/**
 * Refuses a store others could change: whoever can write it, or rename it from a directory above, decides what
 * root runs on `boot --image` and what a build reuses. Its folders and their parents must be this user's (or
 * root's) and writable by no one else (sticky parents such as /tmp excepted).
 */
export function checkStore(store: Store): void {
  const me = process.getuid?.() ?? 0;
  const st = statSync(store.root, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new UsageError(`the image store ${store.root} is not a directory`, { details: ["Pass --store DIR, a directory (made if missing)."] });
  checkOwnedByUs(store.root, "the image store", `Use a store only you${me === 0 ? " (root)" : ""} can change, e.g. --store /var/lib/unibox-store.`);
  checkNotWritableByOthers(store.root, "the image store");
  for (const sub of [store.imagesDir, store.cacheDir(), store.cacheDir("repos"), join(store.root, REVIEW_IMAGES), join(store.root, "review"), join(store.root, "fleet")]) {
    const st = lstatSync(sub, { throwIfNoEntry: false });
    if (st && (st.isSymbolicLink() || st.uid !== me || (st.mode & 0o022) !== 0)) {
      throw new UsageError(`the image store's ${sub} is ${st.isSymbolicLink() ? "a symlink" : `owned by uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}`}: not as unibox made it`, {
        details: ["Remove it (unibox makes it again), or use another --store."],
      });
    }
  }
}

/** The image `id` or a usage error listing the ones there are. */
export function requireImage(store: Store, id: string): StoredImage {
  const { image, problem } = inspectImage(store, id);
  if (image) return image;
  if (problem && existsSync(store.imageDir(id)) && /^img-[0-9a-f]{12}$/.test(id)) {
    throw new RuntimeFailure(`${id} in the store ${store.root} is not a sealed image: ${problem}`, { details: ["Remove it and build again: unibox image build."] });
  }
  const ids = listImages(store).map((i) => i.id);
  throw new UsageError(`no image ${id} in the store ${store.root}`, {
    details: [ids.length ? `Images there: ${ids.join(", ")}` : "The store holds no image: `unibox image build` makes one.", ...(/^img-/.test(id) ? [] : ["An image id looks like img-0123456789ab."])],
  });
}

/** The sealed image with this fingerprint, if any. */
export function findByFingerprint(store: Store, fingerprint: string): StoredImage | undefined {
  return listImages(store).find((i) => i.fingerprint === fingerprint);
}

/** A RuntimeFailure for a store path that is not what unibox made. */
export function storeProblem(path: string, what: string): RuntimeFailure {
  return new RuntimeFailure(`${path}: ${what}`, { details: ["The store is unibox's: remove what is not, or use another --store."] });
}
