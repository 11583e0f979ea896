// The recipe of image/image.yaml with everything resolved: each repo's ref to a commit, each runtime to an
// exact version and digest, the users the roles name. What the fingerprint hashes and the script bakes.
import { lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import type { Stack } from "../stack/types.js";
import { isDirty, resolveLocalRef, resolveRemoteRef, treeOf, workTreeOf } from "./git.js";
import { distRuntime, hostRuntime, NODE_DIST } from "./runtimes.js";
import type { BaseImage, ResolvedRecipe, ResolvedRepo, ResolvedRuntime } from "./types.js";

/**
 * Who runs the repos' build steps: a user of its own, not the service user boxes run as, so that nothing a box's
 * service runs can touch what the next build bakes (its npm cache, its checkouts).
 */
export const BUILD_USER = "unibox-build";

/** The folders of the stack definition an image carries (to /opt/unibox/stack). */
export const STACK_DIRS = ["roles", "envdirs", "image"];

export interface ResolveOptions {
  base: BaseImage;
  /** `host`: the host's own runtimes (local target); `dist`: node's distribution or its mirror. */
  runtimes: "host" | "dist";
  arch?: "x64" | "arm64";
  /** Where host binaries' digests are remembered between builds. */
  digestCache?: string;
  /** A dry run reads that memory but writes nothing. */
  readOnly?: boolean;
  signal?: AbortSignal;
}

/** The resolved recipe, and notes for the user (a local repo with uncommitted changes, which are not baked). */
export async function resolveRecipe(stack: Stack, options: ResolveOptions): Promise<{ recipe: ResolvedRecipe; notes: string[] }> {
  const image = stack.image;
  const notes: string[] = [];
  const repos = await Promise.all(image.repos.map((r) => resolveRepo(r, notes, options.signal)));
  const runtimes: ResolvedRuntime[] = [];
  for (const [name, requested] of Object.entries(image.runtimes)) {
    runtimes.push(
      options.runtimes === "host"
        ? await hostRuntime(name, requested, options.digestCache, !options.readOnly)
        : await distRuntime(name, requested, image.mirrors[name] ?? NODE_DIST, options.arch ?? "x64", options.signal),
    );
  }
  const users = new Set([image.serviceUser, BUILD_USER]);
  for (const role of stack.roles.values()) if (role.user) users.add(role.user);
  return {
    notes,
    recipe: {
      stackRoot: stack.root,
      base: options.base,
      buildUser: BUILD_USER,
      serviceUsers: [...users].sort(),
      packages: [...image.packages],
      runtimes,
      repos,
      stackFiles: stackFiles(stack.root, image.include),
      allowSecrets: [...image.allowSecrets],
    },
  };
}

async function resolveRepo(repo: Stack["image"]["repos"][number], notes: string[], signal?: AbortSignal): Promise<ResolvedRepo> {
  const base = { name: repo.name, url: repo.url, ref: repo.ref, build: [...repo.build] };
  if (!repo.localPath) {
    const commit = await resolveRemoteRef(repo.url, repo.ref, signal);
    if (!commit) throw new UsageError(`repo "${repo.name}": ref "${repo.ref}" not found at ${repo.url}`, { details: ["Check the branch or tag name in image/image.yaml, or pin a full commit id."] });
    return { ...base, commit };
  }
  const tree = await workTreeOf(repo.localPath);
  if (!tree) {
    throw new UsageError(`repo "${repo.name}": ${repo.localPath} is not inside a git work tree`, {
      details: ["An image bakes commits, not working files: `git init && git commit` there, or give the repo's git URL in image/image.yaml."],
    });
  }
  const commit = await resolveLocalRef(repo.localPath, repo.ref);
  if (!commit) throw new UsageError(`repo "${repo.name}": ref "${repo.ref}" names no commit in ${tree.top}`, { details: ["Check the branch or tag name in image/image.yaml (`git -C " + repo.localPath + " log --oneline -1 " + repo.ref + "`)."] });
  if (await isDirty(repo.localPath)) notes.push(`repo ${repo.name}: ${repo.localPath} has uncommitted changes; the image bakes commit ${commit.slice(0, 12)} without them`);
  return { ...base, commit, ...(tree.sub ? { tree: await treeOf(tree.top, commit, tree.sub) } : {}), localPath: repo.localPath };
}

/**
 * The stack definition travels inside the provisioning script (EC2 user data is 16 KB): this much and no more is
 * accepted, so a large file put under an included folder fails here, by name, not as a script no target can run.
 */
export const MAX_STACK_BYTES = 8 * 1024 * 1024;

/**
 * Regular files of the stack definition (and `include`), relative to its root, sorted. A FIFO, socket or device is
 * refused (never opened), as is more than MAX_STACK_BYTES in all.
 */
export function stackFiles(root: string, include: string[] = []): string[] {
  const out: string[] = [];
  let bytes = 0;
  const realRoot = realpathSync(root);
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = `${rel}/${name}`;
      // A repo inside an included folder: its history holds what was deleted, secrets included.
      if (name === ".git") throw new UsageError(`${path} would be baked: a git repository's own folder holds its whole history`, { details: ["Leave it out of image.yaml's include, or move the nested repo elsewhere."] });
      const st = lstatSync(join(root, path));
      if (st.isDirectory()) {
        walk(path);
        continue;
      }
      if (st.isFile()) out.push(path);
      else if (st.isSymbolicLink()) out.push(linkInside(realRoot, root, path));
      else throw new UsageError(`${path} is ${st.isFIFO() ? "a FIFO" : st.isSocket() ? "a socket" : "a device"}, not a file: an image bakes files only`, { details: ["Remove it from the stack definition (or from the folder image.yaml's include names)."] });
      bytes += statSync(join(root, path)).size;
      if (bytes > MAX_STACK_BYTES) {
        throw new UsageError(`the stack definition passes ${MAX_STACK_BYTES / 1024 / 1024} MiB at ${path} (${st.size} bytes): it travels inside the provisioning script`, {
          details: ["Keep large files in a repo (image.yaml repos:), which the build checks out, not under roles/, envdirs/, image/ or an include: folder."],
        });
      }
    }
  };
  for (const dir of [...STACK_DIRS, ...include]) {
    // A symlink on the way (`lnk/etc` with lnk -> /) would lead out of the root: validation refuses it, so does this.
    const real = realOrUndefined(join(root, dir));
    if (real && real !== realRoot && !real.startsWith(`${realRoot}/`)) throw new UsageError(`image/image.yaml include: ${dir} leads out of the stack root (to ${real})`);
    const st = lstatSync(join(root, dir), { throwIfNoEntry: false });
    if (st?.isDirectory()) walk(dir);
    else if (st?.isFile()) out.push(dir);
    else if (include.includes(dir)) throw new UsageError(`image/image.yaml include: ${dir} is not a file or directory in ${root}`);
  }
  return [...new Set(out)].sort();
}

// A symlink is baked as the file it names, so it must name a regular file inside the stack root: one pointing
// out (at /etc/shadow, ~/.aws/credentials) would bake the builder's own files into every box.
function linkInside(realRoot: string, root: string, path: string): string {
  let target: string;
  try {
    target = realpathSync(join(root, path));
  } catch {
    throw new UsageError(`${path} is a symlink to nothing; an image bakes files, not dangling links`, { details: ["Remove it or point it at a file in the stack root."] });
  }
  if (!target.startsWith(`${realRoot}/`) || !statSync(target).isFile()) {
    throw new UsageError(`${path} is a symlink to ${target}, outside the stack root or not a regular file; an image build would bake that file`, {
      details: ["Copy what it needs into the stack root, or remove the link."],
    });
  }
  return path;
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
