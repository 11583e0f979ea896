import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { describe, expect, it, onTestFinished } from "vitest";
import { resolveRecipe } from "../../src/image/recipe.js";
import { loadStack } from "../../src/stack/load.js";
import { commitAll, git, initRepo } from "../helpers/git-repo.js";
import { writeStack } from "../helpers/stack-dir.js";

const base = { id: "host:debian-12", name: "Debian GNU/Linux 12 (bookworm)" };
const opts = { base, runtimes: "dist" as const };

describe("resolving the image recipe", () => {
  it("resolves a local repo's ref to the commit of the git work tree it sits in", async () => {
    const root = writeStack({ "roles/db.yaml": "user: postgres\ncommand: postgres\nport: 5432\n" });
    const commit = initRepo(root);
    const { recipe, notes } = await resolveRecipe(loadStack(root), opts);
    expect(recipe.repos).toEqual([{ name: "api", url: "./apps/api", ref: "HEAD", commit, tree: expect.stringMatching(/^[0-9a-f]{40}$/), build: [], localPath: join(root, "apps/api") }]);
    expect(recipe.serviceUsers).toEqual(["postgres", "unibox", "unibox-build"]);
    expect(recipe.stackFiles).toEqual(["image/image.yaml", "roles/api.yaml", "roles/db.yaml"]);
    expect(notes).toEqual([]);
  });

  it("resolves a branch of a remote repo with git ls-remote, and an annotated tag to its commit", async () => {
    const remote = mkdtempSync(join(tmpdir(), "unibox-remote-"));
    onTestFinished(() => rmSync(remote, { recursive: true, force: true }));
    writeFileSync(join(remote, "x"), "1");
    const first = initRepo(remote);
    git(remote, "tag", "-a", "v1", "-m", "v1");
    writeFileSync(join(remote, "x"), "2");
    const second = commitAll(remote, "second");
    const yaml = (ref: string) => `base: host\nrepos:\n  - name: api\n    url: file://${remote}\n    ref: ${ref}\n`;
    const onMain = await resolveRecipe(loadStack(writeStack({ "image/image.yaml": yaml("main"), "apps/api/README": null })), opts);
    expect(onMain.recipe.repos[0].commit).toBe(second);
    const onTag = await resolveRecipe(loadStack(writeStack({ "image/image.yaml": yaml("v1"), "apps/api/README": null })), opts);
    expect(onTag.recipe.repos[0].commit).toBe(first);
  });

  it("refuses a local repo outside any git work tree, saying an image bakes commits", async () => {
    const root = writeStack();
    const err = await resolveRecipe(loadStack(root), opts).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`repo "api": ${join(root, "apps/api")} is not inside a git work tree`);
    expect((err as { exitCode: number }).exitCode).toBe(2);
  });

  it("refuses a ref that names no commit, naming the ref", async () => {
    const root = writeStack({ "image/image.yaml": "base: host\nrepos:\n  - name: api\n    url: ./apps/api\n    ref: no-such-branch\n" });
    initRepo(root);
    await expect(resolveRecipe(loadStack(root), opts)).rejects.toThrow(`repo "api": ref "no-such-branch" names no commit in ${root}`);
  });

  it("notes uncommitted changes in a local repo: the image bakes the commit without them", async () => {
    const root = writeStack();
    const commit = initRepo(root);
    writeFileSync(join(root, "apps/api/README"), "changed\n");
    const { notes } = await resolveRecipe(loadStack(root), opts);
    expect(notes).toEqual([`repo api: ${join(root, "apps/api")} has uncommitted changes; the image bakes commit ${commit.slice(0, 12)} without them`]);
  });
});

describe("the stack files an image bakes", () => {
  it("bakes a symlink to a file inside the stack root, and refuses one pointing out of it or at nothing", async () => {
    const { symlinkSync } = await import("node:fs");
    const { stackFiles } = await import("../../src/image/recipe.js");
    const root = writeStack({ "support/start": "#!/bin/sh\n" });
    symlinkSync("start", join(root, "support/start-link"));
    expect(stackFiles(root, ["support"])).toContain("support/start-link");
    symlinkSync("/etc/shadow", join(root, "support/shadow"));
    expect(() => stackFiles(root, ["support"])).toThrow("support/shadow is a symlink to /etc/shadow, outside the stack root or not a regular file; an image build would bake that file");
    rmSync(join(root, "support/shadow"));
    symlinkSync("missing", join(root, "support/dangling"));
    expect(() => stackFiles(root, ["support"])).toThrow("support/dangling is a symlink to nothing");
    rmSync(join(root, "support/dangling"));
    mkdirSync(join(root, "support/vendored/.git"), { recursive: true });
    expect(() => stackFiles(root, ["support"])).toThrow("support/vendored/.git would be baked: a git repository's own folder holds its whole history");
    rmSync(join(root, "support/vendored"), { recursive: true });
    execFileSync("mkfifo", [join(root, "support/pipe")]);
    expect(() => stackFiles(root, ["support"])).toThrow("support/pipe is a FIFO, not a file: an image bakes files only");
    rmSync(join(root, "support/pipe"));
    writeFileSync(join(root, "support/huge.bin"), Buffer.alloc(9 * 1024 * 1024));
    expect(() => stackFiles(root, ["support"])).toThrow(/^the stack definition passes 8 MiB at support\/huge\.bin \(9437184 bytes\)/);
  });
});

describe("resolving refs exactly", () => {
  it("takes only refs/heads/<ref> on a remote, not a branch that merely ends in /<ref>, and refuses a name that is both branch and tag", async () => {
    const { resolveRemoteRef, resolveLocalRef } = await import("../../src/image/git.js");
    const remote = mkdtempSync(join(tmpdir(), "unibox-remote-"));
    onTestFinished(() => rmSync(remote, { recursive: true, force: true }));
    writeFileSync(join(remote, "x"), "1");
    const good = initRepo(remote);
    git(remote, "checkout", "-q", "-b", "attacker/main");
    writeFileSync(join(remote, "x"), "evil");
    commitAll(remote, "evil");
    git(remote, "checkout", "-q", "main");
    expect(await resolveRemoteRef(`file://${remote}`, "main")).toBe(good);
    git(remote, "tag", "rel");
    git(remote, "branch", "rel");
    await expect(resolveRemoteRef(`file://${remote}`, "rel")).rejects.toThrow(`ref "rel" is both a branch and a tag in file://${remote}`);
    await expect(resolveLocalRef(remote, "rel")).rejects.toThrow(`ref "rel" is both a branch and a tag in ${remote}`);
    expect(await resolveRemoteRef(`file://${remote}`, "refs/tags/rel")).toBe(good);
    expect(await resolveRemoteRef(`file://${remote}`, "no-such")).toBeUndefined();
  });
});
