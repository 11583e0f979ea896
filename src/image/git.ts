// The git questions an image build asks: which commit a ref names, locally or on a remote, and the files of a commit.
import { execa } from "execa";
import { UsageError } from "../errors.js";

const COMMIT = /^[0-9a-f]{40}$/;

/** The work tree's top directory and the path of `dir` inside it, or undefined when `dir` is not in a git work tree. */
export async function workTreeOf(dir: string): Promise<{ top: string; sub: string } | undefined> {
  const r = await execa("git", ["-C", dir, "rev-parse", "--show-toplevel", "--show-prefix"], { reject: false });
  if (r.exitCode !== 0) return undefined;
  const [top, sub = ""] = r.stdout.split("\n");
  return { top, sub: sub.replace(/\/$/, "") };
}

/** The commit `ref` names in the local repository at `dir`; a name that is both a branch and a tag is refused. */
export async function resolveLocalRef(dir: string, ref: string): Promise<string | undefined> {
  if (!COMMIT.test(ref) && !ref.startsWith("refs/") && ref !== "HEAD") {
    const has = async (full: string) => (await execa("git", ["-C", dir, "show-ref", "--verify", "--quiet", full], { reject: false })).exitCode === 0;
    if ((await has(`refs/heads/${ref}`)) && (await has(`refs/tags/${ref}`))) throw ambiguous(ref, dir);
  }
  const r = await execa("git", ["-C", dir, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { reject: false });
  return r.exitCode === 0 && COMMIT.test(r.stdout.trim()) ? r.stdout.trim() : undefined;
}

/**
 * The commit a branch or tag names on a remote (`git ls-remote`); a full commit id is taken as it is. Only the
 * exact `refs/heads/<ref>` or `refs/tags/<ref>` counts: ls-remote's own matching would also take
 * `refs/heads/someone/<ref>`, a branch anyone who can push may create. Both a branch and a tag: refused.
 */
export async function resolveRemoteRef(url: string, ref: string, signal?: AbortSignal): Promise<string | undefined> {
  if (COMMIT.test(ref)) return ref;
  const wanted = ref === "HEAD" || ref.startsWith("refs/") ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  const r = await execa("git", ["ls-remote", "--", url, ...wanted.flatMap((w) => (w.startsWith("refs/tags/") ? [w, `${w}^{}`] : [w]))], {
    reject: false,
    cancelSignal: signal,
    env: { GIT_TERMINAL_PROMPT: "0" },
    timeout: 60_000,
  });
  if (r.exitCode !== 0) throw new UsageError(`cannot reach ${url} to resolve ref "${ref}": ${r.stderr.trim().split("\n").pop() ?? `git exit ${r.exitCode}`}`);
  const refs = new Map(r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t") as [string, string]).map(([sha, name]) => [name, sha]));
  const found = wanted.filter((w) => refs.has(w));
  if (found.length > 1) throw ambiguous(ref, url);
  if (found.length === 0) return undefined;
  // An annotated tag's peeled line (`^{}`) names the commit; the tag line itself names the tag object.
  return refs.get(`${found[0]}^{}`) ?? refs.get(found[0]);
}

function ambiguous(ref: string, where: string): UsageError {
  return new UsageError(`ref "${ref}" is both a branch and a tag in ${where}: which one to bake is not clear`, {
    details: [`Write refs/heads/${ref} or refs/tags/${ref} (or a commit id) in image/image.yaml.`],
  });
}

/** Whether the work tree at `dir` has changes a commit would not carry (they are not baked). */
export async function isDirty(dir: string): Promise<boolean> {
  const r = await execa("git", ["-C", dir, "status", "--porcelain", "--", "."], { reject: false });
  return r.exitCode === 0 && r.stdout.trim() !== "";
}

/** Writes the files of `commit:sub` (a whole commit when sub is "") as a tar archive to `file`. */
export async function archiveCommit(top: string, commit: string, sub: string, file: string, signal?: AbortSignal): Promise<void> {
  await execa("git", ["-C", top, "archive", "--format=tar", `--output=${file}`, sub ? `${commit}:${sub}` : commit], { cancelSignal: signal });
}

/** The git tree id of `sub` (a folder of the work tree at `top`) at `commit`. */
export async function treeOf(top: string, commit: string, sub: string): Promise<string> {
  const r = await execa("git", ["-C", top, "rev-parse", "--verify", `${commit}:${sub}`]);
  return r.stdout.trim();
}
