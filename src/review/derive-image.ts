// A review box on other refs runs an image of its own: the stack definition (main's, or --stack-ref's work
// tree) with the named repos at their refs and every other repo pinned to the commit its parent image baked.
// It is an ordinary local image build, so the per-repo cache builds only what changed, and a second box on the
// same refs finds the image by its fingerprint and builds nothing.
import { UsageError } from "../errors.js";
import { imageBuild } from "../image/build.js";
import { plainReporter } from "../image/progress.js";
import type { Store } from "../image/store.js";
import { localTarget } from "../image/targets/local/index.js";
import { loadStack } from "../stack/load.js";

export interface DerivedImage {
  id: string;
  /** Built now, or found by its fingerprint. */
  reused: boolean;
  /** Every repo's commit in it. */
  repos: Record<string, string>;
}

export interface DeriveArgs {
  store: Store;
  stackRoot: string;
  /** The parent image's commit of each repo: every repo without a ref is pinned to it. */
  parentRepos: Record<string, string>;
  refs: Record<string, string>;
  /** Repos already built at the parent's commit (a box's baked checkouts): made cache entries, not rebuilt. */
  seeds?: Record<string, string>;
  signal: AbortSignal;
  note(line: string): void;
}

export async function deriveImage(args: DeriveArgs): Promise<DerivedImage> {
  const stack = loadStack(args.stackRoot);
  const known = new Set(stack.image.repos.map((r) => r.name));
  const unknown = Object.keys(args.refs).filter((r) => !known.has(r));
  if (unknown.length) {
    throw new UsageError(`--ref names ${unknown.map((r) => `"${r}"`).join(", ")}, not a repo of the stack's image/image.yaml`, { details: [`Repos: ${[...known].join(", ")}; e.g. --ref ${[...known][0] ?? "api"}=my-branch`] });
  }
  const pinned = { ...stack, image: { ...stack.image, repos: stack.image.repos.map((r) => ({ ...r, ref: own(args.refs, r.name) ?? own(args.parentRepos, r.name) ?? r.ref })) } };
  const store = args.store;
  const result = await imageBuild({
    stack: pinned,
    target: localTarget(store, { seeds: args.seeds }),
    store,
    dryRun: false,
    signal: args.signal,
    note: args.note,
    reporter: async () => ({ reporter: plainReporter(), done: async () => {} }),
  });
  if (result.kind === "dry-run") throw new Error("unreachable: not a dry run");
  return { id: result.image.id, reused: result.kind === "reused", repos: Object.fromEntries(result.input.recipe.repos.map((r) => [r.name, r.commit])) };
}

/** `map[key]` when `map` has it itself: repo names such as `constructor` are not looked up in Object's prototype. */
export function own(map: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
