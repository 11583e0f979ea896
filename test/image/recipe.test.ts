import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
    expect(recipe.serviceUsers).toEqual(["postgres", "unibox"]);
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
