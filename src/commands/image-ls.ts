// `unibox image ls`: the sealed images in the local store, newest first.
import { checkStore, listImages, openStore, storeDir } from "../image/store.js";
import { table, type CommandResult } from "./result.js";

export async function imageLsCommand(options: { root: string; store?: string }): Promise<CommandResult> {
  const store = openStore(storeDir(options.root, options.store));
  checkStore(store);
  const images = listImages(store).map((i) => ({
    id: i.id,
    fingerprint: i.fingerprint,
    created: i.created,
    repos: Object.fromEntries(Object.entries(i.manifest.repos).map(([name, r]) => [name, r.commit])),
    ...(i.promotedFrom ? { promotedFrom: i.promotedFrom } : {}),
    treeDigest: i.treeDigest,
  }));
  const rows = [["ID", "CREATED", "FINGERPRINT", "REPOS"], ...images.map((i) => [i.id, i.created.replace(/\.\d+Z$/, "Z"), i.fingerprint.slice(0, 16), Object.entries(i.repos).map(([n, c]) => `${n}@${c.slice(0, 8)}`).join(" ")])];
  return { json: { images }, text: images.length ? table(rows) : `no images in ${store.root} (unibox image build makes one)` };
}
