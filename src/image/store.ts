// The local image store (`--store`, default `<stack root>/.unibox`): sealed images by id, the per-repo build
// cache, and the temporary dirs of builds in progress. An image appears under its id only when sealed (a
// rename), so a killed build leaves nothing `image ls` shows or a later build reuses.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
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
  const abs = resolve(root);
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

/** Makes the store's folders (0755: service users must reach the baked checkouts through them). */
export function ensureStore(store: Store): void {
  for (const dir of [store.root, store.imagesDir, store.cacheDir("repos")]) mkdirSync(dir, { recursive: true, mode: 0o755 });
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

/** The sealed image `id`, or undefined. */
export function readImage(store: Store, id: string): StoredImage | undefined {
  if (!/^img-[0-9a-f]{12}$/.test(id)) return undefined;
  try {
    const dir = store.imageDir(id);
    if (!lstatSync(dir).isDirectory()) return undefined;
    const meta = JSON.parse(readFileSync(join(dir, IMAGE_FILE), "utf8")) as Omit<StoredImage, "dir">;
    return { ...meta, dir };
  } catch {
    return undefined;
  }
}

/** The image `id` or a usage error listing the ones there are. */
export function requireImage(store: Store, id: string): StoredImage {
  const image = readImage(store, id);
  if (image) return image;
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
