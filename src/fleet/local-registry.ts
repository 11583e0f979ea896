// The boxes `boot --image` started on this machine, remembered in the store (`<store>/fleet/<hash>.json`), so
// `fleet ls` can find them and `image prune` never removes an image one of them runs. On EC2 the tags are the
// registry; here the store is. A record only points at a prefix: what runs there is read from the box itself.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { Store } from "../image/store.js";
import { writeFileAtomic } from "../runtime/writer.js";

export interface BootedBox {
  prefix: string;
  image: string;
  bootedAt: string;
}

function registryDir(store: Store): string {
  return join(store.root, "fleet");
}

/** Remembers that `prefix` runs `image` (written again on every boot). */
export function registerBox(store: Store, prefix: string, image: string): void {
  mkdirSync(registryDir(store), { recursive: true, mode: 0o755 });
  const file = join(registryDir(store), `${createHash("sha256").update(prefix).digest("hex").slice(0, 16)}.json`);
  writeFileAtomic({ path: file, contents: `${JSON.stringify({ prefix, image, bootedAt: new Date().toISOString() } satisfies BootedBox)}\n`, mode: 0o644 });
}

/** Every remembered box whose prefix still links an image of this store (a listing changes nothing). */
export function bootedBoxes(store: Store): BootedBox[] {
  const dir = registryDir(store);
  if (!existsSync(dir)) return [];
  const boxes: BootedBox[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
    const file = join(dir, name);
    let box: BootedBox;
    try {
      box = JSON.parse(readFileSync(file, "utf8")) as BootedBox;
    } catch {
      continue;
    }
    const image = linkedImage(box.prefix, store);
    if (!image) continue;
    boxes.push({ ...box, image });
  }
  return boxes.sort((a, b) => a.prefix.localeCompare(b.prefix));
}

/** The image id `<prefix>/opt/unibox` links to in this store, if it does. */
export function linkedImage(prefix: string, store: Store): string | undefined {
  try {
    const target = readlinkSync(join(prefix, "opt/unibox"));
    const m = /\/(img-[0-9a-f]{12})\/tree\/opt\/unibox$/.exec(target);
    return m && target.startsWith(`${store.root}/`) ? m[1] : undefined;
  } catch {
    return undefined;
  }
}
