// The one provisioning script every target runs (ec2 user data, an Image Builder component, the chroot
// test, and in part the local target), rendered from templates/*.hbs. Its contract is templates' SPEC.md
// (../SPEC.md beside this file): phases, environment, markers, the tree digest.
import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import { RuntimeFailure } from "../../errors.js";
import { shellQuote } from "../../runtime/templates.js";
import type { BuildInput, ResolvedRecipe } from "../types.js";
import { deterministicTarGz, type TarEntry } from "./tar.js";

export interface ProvisionOptions {
  /** End with `shutdown -h now` (ec2 builder: instance-initiated shutdown = terminate/stop signal). */
  poweroff: boolean;
  /**
   * What the `unibox` phase installs with npm when no unibox.tar is staged (the AWS builders, which cannot be
   * handed a local tree): an npm spec or a tarball URL. No default: a bare `unibox@<version>` from the public
   * registry could be somebody else's package.
   */
  uniboxPackage?: string;
}

/** What the script installs for itself and its boot hook, whatever the recipe lists (SPEC.md, "packages"). */
export const SCRIPT_PACKAGES = ["ca-certificates", "curl", "xz-utils", "git", "runit", "runit-run"];

// Both src/image/provision/render.ts and dist/image/provision/render.js resolve to the src folder.
const dir = new URL("../../../src/image/provision/templates/", import.meta.url);
let compiled: HandlebarsTemplateDelegate | undefined;

function template(): HandlebarsTemplateDelegate {
  if (compiled) return compiled;
  const hbs = Handlebars.create();
  hbs.registerHelper("sh", (v: unknown) => new Handlebars.SafeString(shellQuote(v)));
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(".hbs") || file === "provision.sh.hbs") continue;
    hbs.registerPartial(file.replace(/(\.sh)?\.hbs$/, ""), readFileSync(new URL(file, dir), "utf8"));
  }
  compiled = hbs.compile(readFileSync(new URL("provision.sh.hbs", dir), "utf8"), { strict: true, noEscape: true });
  return compiled;
}

/** The bash script for this build. Deterministic: same input, same bytes. */
export function renderProvisionScript(input: BuildInput, options: ProvisionOptions): string {
  const { recipe } = input;
  check(input);
  const packages = [...recipe.packages, ...SCRIPT_PACKAGES.filter((p) => !recipe.packages.includes(p))];
  return template()({
    buildId: input.buildId,
    fingerprint: input.fingerprint,
    poweroff: options.poweroff,
    buildUser: recipe.buildUser,
    users: recipe.serviceUsers,
    packages,
    runtimes: recipe.runtimes.filter((r) => r.archive).map((r) => ({ name: r.name, version: r.version, url: r.archive!.url, sha256: r.archive!.sha256 })),
    hostRuntimes: recipe.runtimes.filter((r) => !r.archive).map((r) => ({ name: r.name, version: r.version })),
    repos: recipe.repos.map((r) => ({ name: r.name, url: r.url, commit: r.commit, local: r.localPath !== undefined, build: r.build })),
    repoNames: recipe.repos.map((r) => r.name).join(" "),
    stackArchive: (stackArchiveBase64(recipe).match(/.{1,76}/g) ?? []).join("\n"),
    manifestJson: JSON.stringify(input.manifest, null, 2),
    uniboxPackage: options.uniboxPackage ?? "",
    allowSecrets: recipe.allowSecrets,
  });
}

/**
 * The stack definition files (input.recipe.stackFiles under input.recipe.stackRoot) as a deterministic
 * tar.gz (sorted names, mtime 0, owner 0, gzip -n), base64: embedded in the script.
 * Modes: envdirs/ is root's alone (directories 0700, files 0600) as boot's copies of the layers are;
 * elsewhere 0755 directories, 0755 for an executable file, 0644 for the rest.
 */
export function stackArchiveBase64(recipe: ResolvedRecipe): string {
  const entries = new Map<string, TarEntry>();
  const secret = (path: string) => path === "envdirs" || path.startsWith("envdirs/");
  for (const file of recipe.stackFiles) {
    if (file.startsWith("/") || file.split("/").some((part) => part === "" || part === "." || part === "..")) {
      throw new RuntimeFailure(`cannot archive the stack definition: ${JSON.stringify(file)} is not a plain path relative to the stack root`);
    }
    const abs = join(recipe.stackRoot, file);
    let contents: Buffer;
    let executable: boolean;
    try {
      // A symlink is baked as the file it names: its target may not exist on the image.
      contents = readFileSync(abs);
      executable = (statSync(abs).mode & 0o111) !== 0;
    } catch (err) {
      throw new RuntimeFailure(`cannot archive the stack definition: ${abs} cannot be read (${(err as NodeJS.ErrnoException).code})`, {
        cause: err,
        details: [lstatOk(abs) ? "Is it a dangling symlink? `unibox validate` names it." : "The file was listed but is gone: build again."],
      });
    }
    entries.set(file, { path: file, mode: secret(file) ? 0o600 : executable ? 0o755 : 0o644, contents });
    const parts = file.split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      entries.set(d, { path: d, mode: secret(d) ? 0o700 : 0o755 });
    }
  }
  return deterministicTarGz([...entries.values()]).toString("base64");
}

function lstatOk(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

// The script interpolates these into paths, messages and unit files: refuse what could break out of them.
const RULES: [what: string, re: RegExp][] = [
  ["a name", /^[a-z][a-z0-9-]*$/],
  ["a user name", /^[a-z_][a-z0-9_-]{0,31}$/],
  ["a sha256 (64 hex digits)", /^[0-9a-f]{64}$/],
  ["a commit (40 or 64 hex digits)", /^([0-9a-f]{40}|[0-9a-f]{64})$/],
  ["a version", /^[0-9A-Za-z][0-9A-Za-z.+~-]*$/],
  ["a package name", /^[a-z0-9][^\s]*$/],
  ["a hex fingerprint", /^[0-9a-f]{8,128}$/],
  ["a build id", /^[A-Za-z0-9][A-Za-z0-9._-]*$/],
];

function check(input: BuildInput): void {
  const { recipe } = input;
  const problems: string[] = [];
  const expect = (label: string, value: string, rule: number) => {
    const [what, re] = RULES[rule];
    if (!re.test(value)) problems.push(`${label} is ${JSON.stringify(value)}, expected ${what}`);
  };
  expect("the fingerprint", input.fingerprint, 6);
  expect("the build id", input.buildId, 7);
  expect("the build user", recipe.buildUser, 1);
  for (const u of recipe.serviceUsers) expect("a service user", u, 1);
  for (const p of recipe.packages) expect("a package", p, 5);
  for (const r of recipe.runtimes) {
    expect("a runtime's name", r.name, 0);
    expect(`runtime ${r.name}'s version`, r.version, 4);
    if (r.archive) expect(`runtime ${r.name}'s archive sha256`, r.archive.sha256, 2);
    if (!r.archive && !r.host) problems.push(`runtime ${r.name} has neither an archive nor a host binary`);
  }
  for (const r of recipe.repos) {
    expect("a repo's name", r.name, 0);
    expect(`repo ${r.name}'s commit`, r.commit, 3);
  }
  if (problems.length > 0) {
    throw new RuntimeFailure(`cannot render the provisioning script: ${problems.length} value(s) of the resolved recipe would not be safe in it`, {
      details: problems.map((p) => `  ${p}`),
    });
  }
}
