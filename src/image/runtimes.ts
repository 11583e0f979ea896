// Language runtimes at exact versions: from a nodejs.org-style distribution (the official one or a mirror),
// with the sha256 it publishes, or, for the local target, the host's own binary.
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { UsageError } from "../errors.js";
import type { ResolvedRuntime } from "./types.js";

/** Where node's official archives are; `mirrors.node` in image.yaml replaces it. */
export const NODE_DIST = "https://nodejs.org/dist";

/** `20` matches 20.x.y, `20.20` matches 20.20.y, `20.20.2` only itself; a leading `v` is ignored. */
export function versionMatches(requested: string, version: string): boolean {
  const want = requested.replace(/^v/, "").split(".");
  const have = version.replace(/^v/, "").split(".");
  return want.every((part, i) => part === have[i]);
}

/** The host's node as the image's runtime (the local target builds on the host): its version must match. */
export async function hostRuntime(name: string, requested: string, digestCache?: string, writeCache = true): Promise<ResolvedRuntime> {
  if (name !== "node") throw new UsageError(`runtime "${name}": the local target takes runtimes from the host, and unibox knows only node's`, { details: ["Remove it from image/image.yaml runtimes, or build for ec2/imagebuilder."] });
  const version = process.versions.node;
  if (!versionMatches(requested, version)) {
    throw new UsageError(`runtime node: image.yaml asks for ${requested}, this host has ${version}`, {
      details: ["The local target bakes the host's node. Install a matching node, or change runtimes.node in image/image.yaml."],
    });
  }
  const path = realpathSync(process.execPath);
  return { name, requested, version, host: { path, sha256: await sha256FileCached(path, digestCache, writeCache) } };
}

/**
 * node at the newest version matching `requested` in the distribution at `dist` (index.json), and the archive's
 * sha256 from that version's SHASUMS256.txt. `arch` is node's name for it: x64 or arm64.
 */
export async function distRuntime(name: string, requested: string, dist: string, arch: "x64" | "arm64", signal?: AbortSignal): Promise<ResolvedRuntime> {
  if (name !== "node") throw new UsageError(`runtime "${name}": unibox knows how to fetch node only`, { details: ["Install other runtimes through `packages` in image/image.yaml."] });
  const base = dist.replace(/\/+$/, "");
  const index = (await fetchText(`${base}/index.json`, signal)).trim();
  let versions: string[];
  try {
    versions = (JSON.parse(index) as { version: string }[]).map((v) => v.version.replace(/^v/, ""));
  } catch (err) {
    throw new UsageError(`${base}/index.json is not node's version index: ${(err as Error).message}`, { cause: err });
  }
  const version = versions.filter((v) => versionMatches(requested, v)).sort(compareVersions).pop();
  if (!version) throw new UsageError(`runtime node: no version matching ${requested} in ${base}/index.json`, { details: [`Newest there: ${versions.sort(compareVersions).slice(-3).join(", ")}`] });
  const file = `node-v${version}-linux-${arch}.tar.xz`;
  const sums = await fetchText(`${base}/v${version}/SHASUMS256.txt`, signal);
  const line = sums.split("\n").find((l) => l.trim().endsWith(`  ${file}`) || l.trim().endsWith(` ${file}`));
  const sha256 = line?.trim().split(/\s+/)[0];
  if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) throw new UsageError(`${base}/v${version}/SHASUMS256.txt lists no sha256 for ${file}`);
  return { name, requested, version, archive: { url: `${base}/v${version}/${file}`, sha256 } };
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

async function fetchText(url: string, signal?: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new UsageError(`cannot fetch ${url}: ${(err as Error).cause ? String((err as { cause: Error }).cause.message ?? (err as Error).cause) : (err as Error).message}`, {
      cause: err,
      details: ["Set mirrors.node in image/image.yaml to a reachable copy of the distribution (its index.json, v<version>/SHASUMS256.txt and archives)."],
    });
  }
  if (!res.ok) throw new UsageError(`cannot fetch ${url}: HTTP ${res.status}`);
  return res.text();
}

/** The sha256 hex of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (d) => hash.update(d))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/**
 * sha256File, remembered in `cacheFile` by path, inode, size and mtime: hashing the host's 95 MB node takes
 * 0.5 s, and a no-op rebuild must stay well under a second.
 */
export async function sha256FileCached(path: string, cacheFile?: string, write = true): Promise<string> {
  if (!cacheFile) return sha256File(path);
  const st = statSync(path);
  const key = `${path}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
  let cache: Record<string, string> = {};
  try {
    cache = JSON.parse(readFileSync(cacheFile, "utf8")) as Record<string, string>;
  } catch {
    // No cache yet, or a broken one: start over.
  }
  if (typeof cache[key] === "string" && /^[0-9a-f]{64}$/.test(cache[key])) return cache[key];
  const digest = await sha256File(path);
  if (!write) return digest;
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(`${cacheFile}.tmp`, JSON.stringify({ ...cache, [key]: digest }));
  renameSync(`${cacheFile}.tmp`, cacheFile);
  return digest;
}
