// unibox itself as an image carries it (/opt/unibox/unibox): which files, their digest, and the tar the script unpacks.
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

/** unibox's package root: dist/image/ and src/image/ both sit two levels below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

// What runs on a box: the compiled code, its launcher, its lockfile, and the templates read at run time.
const ROOTS = ["package.json", "package-lock.json", "bin", "dist", "src/runtime/templates", "src/image/provision/templates"];

/** The version in unibox's package.json. */
export function uniboxVersion(root = PACKAGE_ROOT): string {
  return (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
}

/** The payload's files, relative to the package root, sorted. */
export function payloadFiles(root = PACKAGE_ROOT): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const st = lstatSync(join(root, rel), { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const name of readdirSync(join(root, rel)).sort()) walk(`${rel}/${name}`);
    else if (st.isFile()) out.push(rel);
  };
  ROOTS.forEach(walk);
  return out.sort();
}

/** sha256 over each payload file's path and bytes: a different unibox is a different image. */
export function payloadDigest(root = PACKAGE_ROOT): string {
  const hash = createHash("sha256");
  for (const file of payloadFiles(root)) hash.update(`${file}\0`).update(readFileSync(join(root, file))).update("\0");
  return hash.digest("hex");
}

/** Writes the payload as `file` (a tar the provisioning script's `unibox` phase unpacks). */
export async function writePayloadTar(file: string, root = PACKAGE_ROOT): Promise<void> {
  await execa("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-C", root, "-cf", file, "--", ...payloadFiles(root)]);
}
