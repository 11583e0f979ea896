// The provisioning script as rendered: the same bytes for the same build, every value of the recipe in it
// exactly once where the phases read it, valid bash, and the stack definition embedded whole.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { renderProvisionScript, SCRIPT_PACKAGES, stackArchiveBase64 } from "../../../src/image/provision/render.js";
import { encodeUserData } from "../../../src/image/targets/ec2/user-data.js";
import type { BuildInput } from "../../../src/image/types.js";
import { buildInputFixture, SAMPLE_STACK, stackFilesOf } from "./fixture.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "unibox-render-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const lineOf = (script: string, re: RegExp) => script.split("\n").filter((l) => re.test(l));

describe("renderProvisionScript", () => {
  it("renders the same bytes for the same input, and differs only by the shutdown when asked to power off", () => {
    const a = renderProvisionScript(buildInputFixture(), { poweroff: false });
    const b = renderProvisionScript(structuredClone(buildInputFixture()), { poweroff: false });
    expect(b).toBe(a);
    const off = renderProvisionScript(buildInputFixture(), { poweroff: true });
    expect(a).not.toContain("shutdown -h now");
    expect(lineOf(off, /^\s*shutdown /)).toEqual(["  shutdown -h now"]);
    expect(off.replace(/  # The ec2 builder[^]*?sleep 600\n/, "")).toBe(a);
  });

  it("embeds the exact users, packages, commits, runtime archive and digests of the recipe", () => {
    const input = buildInputFixture({
      recipe: {
        repos: [
          { name: "api", url: "./apps/api", ref: "HEAD", commit: "1".repeat(40), build: ["npm ci --omit=dev", "echo 'it''s' \"$HOME\" > x"], localPath: "/src/apps/api" },
          { name: "worker", url: "https://git.example.com/worker.git", ref: "main", commit: "2".repeat(40), build: [] },
        ],
      },
    });
    const script = renderProvisionScript(input, { poweroff: false });
    expect(lineOf(script, /^\s*for u in /)).toEqual(["  for u in postgres redis unibox www-data; do"]);
    expect(lineOf(script, /install -y --no-install-recommends/)).toEqual([
      "    install -y --no-install-recommends runit nginx postgresql redis-server curl ca-certificates xz-utils git runit-run",
    ]);
    expect(lineOf(script, /^\s*install_runtime /)).toEqual([
      `  install_runtime node 20.20.2 http://127.0.0.1:1/v20.20.2/node-v20.20.2-linux-x64.tar.xz ${"a".repeat(64)}`,
    ]);
    expect(lineOf(script, /^\s*build_repo /)).toEqual([
      `    build_repo api ./apps/api ${"1".repeat(40)} local 'npm ci --omit=dev' 'echo '\\''it'\\'''\\''s'\\'' "$HOME" > x'`,
      `    build_repo worker https://git.example.com/worker.git ${"2".repeat(40)} remote`,
    ]);
    expect(lineOf(script, /^ALL_REPOS=|^FINGERPRINT=|^BUILD_USER=/)).toEqual([`FINGERPRINT=${"f".repeat(64)}`, "BUILD_USER=unibox", "ALL_REPOS='api worker'"]);
    expect(script).toContain(`UNIBOX_MANIFEST'\n${JSON.stringify(input.manifest, null, 2)}\nUNIBOX_MANIFEST\n`);
  });

  it("adds only the packages the recipe does not list already", () => {
    const script = renderProvisionScript(buildInputFixture({ recipe: { packages: ["git", "jq"] } }), { poweroff: false });
    expect(lineOf(script, /install -y/)[0].trim()).toBe(`install -y --no-install-recommends git jq ${SCRIPT_PACKAGES.filter((p) => p !== "git").join(" ")}`);
  });

  it("skips a runtime taken from the host, saying so", () => {
    const input = buildInputFixture({ recipe: { runtimes: [{ name: "node", requested: "20", version: "20.20.2", host: { path: "/usr/bin/node", sha256: "b".repeat(64) } }] } });
    const script = renderProvisionScript(input, { poweroff: false });
    expect(lineOf(script, /^\s*install_runtime /)).toEqual([]);
    expect(script).toContain('echo "unibox: runtime node 20.20.2 comes from the host: the target places it"');
  });

  it.each([true, false])("is valid bash (bash -n) with poweroff %s", (poweroff) => {
    const file = join(tempDir(), "provision.sh");
    writeFileSync(file, renderProvisionScript(buildInputFixture(), { poweroff }));
    expect(() => execFileSync("bash", ["-n", file], { stdio: "pipe" })).not.toThrow();
  });

  const bad: [string, (i: BuildInput) => void, string][] = [
    ["a ref instead of a commit", (i) => (i.recipe.repos[0].commit = "HEAD"), `repo api's commit is "HEAD", expected a commit (40 or 64 hex digits)`],
    ["a user name with a space", (i) => i.recipe.serviceUsers.push("web admin"), `a service user is "web admin", expected a user name`],
    ["a build user in capitals", (i) => (i.recipe.buildUser = "Unibox"), `the build user is "Unibox", expected a user name`],
    ["a digest that is not sha256", (i) => (i.recipe.runtimes[0].archive!.sha256 = "md5:abc"), `runtime node's archive sha256 is "md5:abc", expected a sha256 (64 hex digits)`],
    ["a runtime name that is a path", (i) => (i.recipe.runtimes[0].name = "../node"), `a runtime's name is "../node", expected a name`],
    ["a package that apt would read as an option", (i) => i.recipe.packages.push("-oAPT::x=1"), `a package is "-oAPT::x=1", expected a package name`],
    ["a repo name with a slash", (i) => (i.recipe.repos[0].name = "a/b"), `a repo's name is "a/b", expected a name`],
    ["a runtime with no source", (i) => delete i.recipe.runtimes[0].archive, "runtime node has neither an archive nor a host binary"],
  ];
  it.each(bad)("refuses %s, naming the value", (_, spoil, message) => {
    const input = buildInputFixture();
    spoil(input);
    let error: unknown;
    try {
      renderProvisionScript(input, { poweroff: false });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toMatch(/^cannot render the provisioning script: 1 value\(s\)/);
    expect((error as { details: string[] }).details).toEqual([`  ${message}`]);
  });
});

describe("stackArchiveBase64", () => {
  it("round-trips the stack definition: every listed file with its bytes, envdirs/ root's alone", () => {
    const recipe = buildInputFixture().recipe;
    const dir = tempDir();
    execFileSync("tar", ["-xz", "-C", dir], { input: Buffer.from(stackArchiveBase64(recipe), "base64") });
    const extracted = execFileSync("find", [".", "-type", "f", "-printf", "%P\\n"], { cwd: dir, encoding: "utf8" }).trim().split("\n").sort();
    expect(extracted).toEqual(recipe.stackFiles);
    expect(recipe.stackFiles).toContain("roles/api.yaml");
    expect(recipe.stackFiles).toContain("envdirs/common/LOG_LEVEL");
    expect(recipe.stackFiles).toContain("support/postgres-review");
    for (const f of recipe.stackFiles) {
      expect(readFileSync(join(dir, f)), f).toEqual(readFileSync(join(SAMPLE_STACK, f)));
      const executable = (statSync(join(SAMPLE_STACK, f)).mode & 0o111) !== 0;
      expect(statSync(join(dir, f)).mode & 0o777, f).toBe(f.startsWith("envdirs/") ? 0o600 : executable ? 0o755 : 0o644);
    }
    expect(statSync(join(dir, "envdirs")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "envdirs/common")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "roles")).mode & 0o777).toBe(0o755);
  });

  it("is the same for the same files, and is what the script embeds", () => {
    const input = buildInputFixture();
    const archive = stackArchiveBase64(input.recipe);
    expect(stackArchiveBase64(structuredClone(input.recipe))).toBe(archive);
    const script = renderProvisionScript(input, { poweroff: false });
    const embedded = /<< 'UNIBOX_STACK_ARCHIVE'\n([^]*?)\nUNIBOX_STACK_ARCHIVE\n/.exec(script)![1];
    expect(embedded.split("\n").every((l) => l.length <= 76)).toBe(true);
    expect(embedded.replaceAll("\n", "")).toBe(archive);
  });

  it("bakes an executable file as 0755 and refuses a path that leaves the stack root", () => {
    const root = tempDir();
    execFileSync("sh", ["-c", "mkdir -p image roles && printf 'x' > image/hook.sh && chmod 0755 image/hook.sh && printf 'y' > roles/a.yaml"], { cwd: root });
    const recipe = buildInputFixture({ recipe: { stackRoot: root, stackFiles: ["image/hook.sh", "roles/a.yaml"] } }).recipe;
    const listing = execFileSync("tar", ["-tvz"], { input: Buffer.from(stackArchiveBase64(recipe), "base64"), encoding: "utf8" });
    expect(listing.split("\n").filter(Boolean).map((l) => `${l.split(/\s+/)[0]} ${l.split(/\s+/).pop()}`)).toEqual([
      "drwxr-xr-x image/",
      "-rwxr-xr-x image/hook.sh",
      "drwxr-xr-x roles/",
      "-rw-r--r-- roles/a.yaml",
    ]);
    expect(() => stackArchiveBase64({ ...recipe, stackFiles: ["../etc/passwd"] })).toThrow('"../etc/passwd" is not a plain path relative to the stack root');
  });

  it("renders the sample stack's script small enough for EC2 user data once gzipped", () => {
    const input = buildInputFixture({ recipe: { stackFiles: stackFilesOf(SAMPLE_STACK) } });
    const script = renderProvisionScript(input, { poweroff: true });
    expect(() => encodeUserData(script)).not.toThrow();
  });
});
