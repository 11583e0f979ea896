// Loads image/image.yaml: base image, OS packages, runtimes and the repos to bake.
import { existsSync, realpathSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { Diagnostic } from "../diagnostic.js";
import { parseWithSchema } from "../schema-errors.js";
import type { ImageRecipe, Repo } from "../types.js";
import { readYamlFile, type YamlFile } from "../yaml-file.js";
import { leavesRoot } from "../../shared/read-file.js";
import { imageSchema } from "./schema.js";

const FILE = "image/image.yaml";
/** Runtime names become parts of paths and package names in the provisioning script. */
const RUNTIME_PATTERN = /^[a-z][a-z0-9._-]*$/;

/** A URL git fetches over the network, as opposed to a local path. */
export function isRemoteUrl(url: string): boolean {
  return /^[a-z+]+:\/\//i.test(url) || /^[\w.-]+@[\w.-]+:/.test(url);
}

/** The recipe, or the errors; `yaml` is kept for rules that point into the file. */
export function loadImage(root: string, baked = false): { image?: ImageRecipe; yaml?: YamlFile; errors: Diagnostic[] } {
  const path = join(root, FILE);
  if (!existsSync(path)) {
    return { errors: [{ file: FILE, line: 1, col: 1, message: `missing ${FILE}: it names the base image and the repos to bake` }] };
  }
  const out = leavesRoot(root, path);
  if (out) return { errors: [{ file: FILE, line: 1, col: 1, message: out }] };
  const { yaml, errors } = readYamlFile(path, FILE, FILE);
  if (!yaml) return { errors };
  const { data, errors: shape } = parseWithSchema(imageSchema, yaml);
  if (!data) return { yaml, errors: shape };

  const repos: Repo[] = [];
  const seen = new Set<string>();
  (data.repos ?? []).forEach((r, i) => {
    if (seen.has(r.name)) errors.push(yaml.diagnostic(["repos", i, "name"], `repo "${r.name}" is listed twice`));
    seen.add(r.name);
    let localPath: string | undefined;
    if (!isRemoteUrl(r.url) && !baked) {
      localPath = isAbsolute(r.url) ? r.url : resolve(root, r.url);
      if (!existsSync(localPath)) {
        errors.push(yaml.diagnostic(["repos", i, "url"], `repo "${r.name}": local path ${r.url} does not exist (resolved to ${localPath})`));
      }
    }
    repos.push({ name: r.name, url: r.url, ref: r.ref ?? "HEAD", build: r.build ?? [], localPath });
  });
  const base = data.base === "host" ? { host: true as const } : { ami: { architecture: "x86_64", ...data.base.ami } };
  return {
    yaml,
    errors,
    image: {
      file: FILE,
      base,
      serviceUser: data.user ?? "unibox",
      packages: data.packages ?? [],
      runtimes: runtimesOf(yaml, data.runtimes ?? {}, errors),
      mirrors: Object.assign(Object.create(null), data.mirrors ?? {}),
      repos,
      include: includesOf(root, yaml, data.include ?? [], errors),
      allowSecrets: data.allowSecrets ?? [],
    },
  };
}

// The runtimes by name, without a prototype, from the file's own keys: the parsed record has lost a "__proto__" key.
function runtimesOf(yaml: YamlFile, parsed: Record<string, string>, errors: Diagnostic[]): Record<string, string> {
  const runtimes: Record<string, string> = Object.create(null);
  const versions = new Map(Object.entries(parsed));
  for (const name of Object.keys((yaml.value as { runtimes?: object }).runtimes ?? {})) {
    if (RUNTIME_PATTERN.test(name)) runtimes[name] = versions.get(name)!;
    else errors.push(yaml.diagnostic(["runtimes", name], `runtime name "${name}" must match [a-z][a-z0-9._-]* (lowercase, digits, ".", "_", "-")`, "key"));
  }
  return runtimes;
}

// `include:` paths: inside the stack root once every symlink on the way is followed, and never git's own
// folder (its history holds what was deleted from the tree, secrets included, in a form no scan reads).
function includesOf(root: string, yaml: YamlFile, paths: string[], errors: Diagnostic[]): string[] {
  const out: string[] = [];
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return out;
  }
  paths.forEach((raw, i) => {
    const p = raw.replace(/\/+$/, "").replace(/^(\.\/)+/, "");
    const at = ["include", i];
    if (p === "" || p === ".") return errors.push(yaml.diagnostic(at, `include: "${raw}" names the whole stack root; name the folders roles without a repo need (e.g. support/)`));
    if (p.split("/").includes(".git")) return errors.push(yaml.diagnostic(at, `include: "${raw}" is git's own folder: its history would be baked, deleted secrets included`));
    let real: string;
    try {
      real = realpathSync(join(root, p));
    } catch {
      return errors.push(yaml.diagnostic(at, `include: ${raw} does not exist in the stack root`));
    }
    if (real !== realRoot && !real.startsWith(`${realRoot}/`)) {
      return errors.push(yaml.diagnostic(at, `include: ${raw} leads out of the stack root (to ${real}) through a symlink; the build would bake that`));
    }
    out.push(p);
  });
  return out;
}
