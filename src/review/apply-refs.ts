// On a review box booted from an image (an EC2 instance from the AMI), the `unibox:ref.<repo>` tags are applied at
// boot: the box builds those repos at those refs, through a per-repo cache of its own
// (`<P>/var/lib/unibox-store`), into an image derived from its baked tree, and runs that. Its other repos are
// not built again: their baked checkouts seed the cache. A second boot with the same refs builds nothing.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "../errors.js";
import { checkStore, ensureStore, openStore } from "../image/store.js";
import type { Manifest } from "../image/types.js";
import { loadStack } from "../stack/load.js";
import { deriveImage, own } from "./derive-image.js";

export interface AppliedRefs {
  /** The derived image's `opt/unibox`: the box runs its stack, checkouts and runtimes. */
  opt: string;
  imageId: string;
  reused: boolean;
  repos: Record<string, string>;
}

/**
 * Where a box keeps what its refs build: beside the services' state directories, not among them
 * (`<state root>/<service>` is a service's, whatever its name: a role named "store" would be handed it).
 */
export function refsStoreRoot(stateRoot: string): string {
  return join(dirname(stateRoot), "unibox-store");
}

export async function applyRefs(args: { opt: string; stateRoot: string; refs: Record<string, string>; signal: AbortSignal; note(line: string): void }): Promise<AppliedRefs> {
  const manifest = JSON.parse(readFileSync(join(args.opt, "manifest.json"), "utf8")) as Manifest;
  const stackRoot = join(args.opt, "stack");
  const stack = loadStack(stackRoot, { baked: true });
  const local = stack.image.repos.filter((r) => !/^[a-z][a-z0-9+.-]*:\/\/|^[\w.-]+@[\w.-]+:/i.test(r.url));
  if (local.length) {
    throw new UsageError(`unibox:ref.* tags: this image's repos ${local.map((r) => `${r.name} (${r.url})`).join(", ")} are local paths, which a box cannot fetch at another ref`, {
      details: ["On this machine, run the ref as a review box instead: unibox review up --ref REPO=REF", "On EC2, give the repos' git URLs in image/image.yaml."],
    });
  }
  const storeRoot = refsStoreRoot(args.stateRoot);
  mkdirSync(storeRoot, { recursive: true, mode: 0o755 });
  const store = openStore(storeRoot);
  ensureStore(store);
  checkStore(store);
  const parentRepos = Object.fromEntries(Object.entries(manifest.repos).map(([n, r]) => [n, r.commit]));
  const seeds = Object.fromEntries(
    Object.keys(parentRepos)
      .filter((n) => own(args.refs, n) === undefined && existsSync(join(args.opt, "apps", n)))
      .map((n) => [n, join(args.opt, "apps", n)]),
  );
  const derived = await deriveImage({ store, stackRoot, parentRepos, refs: args.refs, seeds, signal: args.signal, note: args.note });
  return { opt: join(store.treeDir(derived.id), "opt/unibox"), imageId: derived.id, reused: derived.reused, repos: derived.repos };
}
