// The whole life of review boxes on this machine, for real (runit, the local image store): two boxes side by
// side on different refs, a third on the same ref building nothing, promotion with provenance, a production box
// from the promoted image running exactly the reviewed commit, prune keeping what is in use, a 1 s TTL reaped,
// the guards of down and reap, and nothing left running.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listProcesses } from "../../../src/runtime/processes.js";
import { pollUntil } from "../../../src/shared/poll.js";
import { runCli, runJson } from "../../helpers/cli.js";
import { commitAll, git } from "../../helpers/git-repo.js";
import { appImageYaml, stackRepo, type StackRepo } from "../../helpers/stack-repo.js";

const bin = fileURLToPath(new URL("../../../bin/unibox.js", import.meta.url));
let root: string;
let store: string;
let prodPrefix: string;

let write: StackRepo["write"];

const cli = (...args: string[]) => runCli([...args, "--root", root, "--store", store]);
const json = <T = any>(...args: string[]) => runJson<T>([...args, "--root", root, "--store", store]);
const get = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();

beforeAll(() => {
  ({ root, store, write } = stackRepo("unibox-review-", {
    ".gitignore": ".unibox/\nprod/\n",
    "image/image.yaml": appImageYaml("node -e \"require('fs').writeFileSync('built.txt', 'built')\""),
    "roles/app.yaml": "repo: app\ncommand: node server.js\nport: 3000\nentry: true\nhealth: { http: /health, expect: ok }\n",
    "apps/app/server.js":
      "const fs = require('fs');\nrequire('http').createServer((q, s) => { if (q.url !== '/health') console.log('request', q.url); s.end(q.url === '/health' ? 'ok' : fs.readFileSync('VERSION', 'utf8').trim() + ' ' + fs.readFileSync('built.txt', 'utf8')); }).listen(process.env.PORT, '127.0.0.1');\n",
    "apps/app/VERSION": "v1\n",
  }));
  prodPrefix = join(root, "prod");
  git(root, "checkout", "-q", "-b", "feature");
  write("apps/app/VERSION", "v2\n");
  commitAll(root, "v2 on feature");
  git(root, "checkout", "-q", "main");
});

afterAll(async () => {
  for (const box of readdirSync(join(store, "review")).filter((n) => !n.startsWith("."))) await cli("review", "down", box);
  await runCli(["down", "--reset", "--prefix", prodPrefix]);
  // A lock holder (flock) ends a moment after its lock is released: wait for it, bounded.
  const left = () => listProcesses().filter((p) => p.argv.join(" ").includes(root));
  await pollUntil(() => left().length === 0, 5000, 50);
  const { removeTree } = await import("../../../src/image/tree-ops.js");
  await removeTree(root);
  expect(left().map((p) => p.argv.join(" "))).toEqual([]);
}, 120_000);

describe("review boxes on this machine", () => {
  let image: string;
  let main: any;
  let feature: any;

  it("refuses to start a box before an image exists, and leaves nothing", async () => {
    const r = await cli("review", "up", "--name", "early");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no image in .*unibox image build/s);
    expect(existsSync(join(store, "review", "early"))).toBe(false);
  });

  it("runs two boxes side by side on different refs, each healthy and serving its own ref", async () => {
    image = (await json("image", "build")).id;
    main = (await json("review", "up", "--name", "main-box", "--ttl", "1h")).boxes[0];
    feature = (await json("review", "up", "--name", "feat", "--ref", "app=feature", "--ttl", "1h")).boxes[0];
    expect(main).toMatchObject({ name: "main-box", image, healthy: true, state: "running", target: "local" });
    expect(feature).toMatchObject({ name: "feat", healthy: true, refs: { app: { ref: "feature", commit: git(root, "rev-parse", "feature") } } });
    expect(feature.image).not.toBe(image);
    expect(main.url).not.toBe(feature.url);
    expect(await get(main.url)).toBe("v1 built");
    expect(await get(feature.url)).toBe("v2 built");
  }, 120_000);

  it("builds nothing for a second box on the same ref: it runs the same image", async () => {
    const r = await cli("review", "up", "--name", "feat-again", "--ref", "app=feature", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).boxes[0].image).toBe(feature.image);
    expect(r.stderr).toMatch(/reused img-/);
    expect((await cli("review", "down", "feat-again")).code).toBe(0);
    expect(existsSync(join(store, "review", "feat-again"))).toBe(false);
  }, 60_000);

  it("refuses a bad name, a name in use, and a store its service users cannot enter, starting nothing", async () => {
    const bad = await cli("review", "up", "--name", "Bad_Name");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/must match \[a-z\]/);
    const taken = await cli("review", "up", "--name", "feat");
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/exists already/);
    chmodSync(root, 0o700);
    try {
      const locked = await cli("review", "up", "--name", "locked");
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain(`${root} is mode 0700`);
      expect(locked.stderr).toMatch(/--store \/var\/lib\/unibox-store/);
    } finally {
      chmodSync(root, 0o755);
    }
    expect(existsSync(join(store, "review", "locked"))).toBe(false);
    expect((await json("review", "ls")).boxes.map((b: any) => b.name)).toEqual(["feat", "main-box"]);
  }, 30_000);

  it("refuses to take down a box in the review store that runs a production plan", async () => {
    const planFile = join(store, "review", "main-box", "root", "etc/unibox/plan.json");
    const saved = readFileSync(planFile, "utf8");
    writeFileSync(planFile, saved.replace('"mode": "review"', '"mode": "production"').replace('"mode":"review"', '"mode":"production"'));
    try {
      const r = await cli("review", "down", "main-box");
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/runs a production box, not a review box: left alone/);
      expect(await get(main.url)).toBe("v1 built");
    } finally {
      writeFileSync(planFile, saved);
    }
  }, 30_000);

  it("lists the boxes with their image, refs, expiry, last activity, health and URL; a request moves the activity", async () => {
    const before = (await json("review", "ls")).boxes.find((b: any) => b.name === "main-box");
    await get(main.url);
    const boxes = await pollUntilActivity("main-box", before.lastActivity);
    const listed = boxes.find((b: any) => b.name === "main-box");
    expect(Date.parse(listed.expiresAt) - Date.parse(listed.lastActivity)).toBe(3600_000);
    expect(boxes.map((b: any) => [b.name, b.healthy, b.url])).toEqual([
      ["feat", true, feature.url],
      ["main-box", true, main.url],
    ]);
  }, 30_000);

  it("runs the roles of another branch of the stack definition with --stack-ref: a service that branch adds is on its box", async () => {
    git(root, "checkout", "-q", "-b", "stack-more");
    write("roles/extra.yaml", "repo: app\ncommand: node server.js\nport: 3100\nhealth: { http: /health, expect: ok }\n");
    commitAll(root, "a branch of the stack that adds a service");
    git(root, "checkout", "-q", "main");
    const box = (await json("review", "up", "--name", "stack-box", "--stack-ref", "stack-more")).boxes[0];
    expect(box).toMatchObject({ healthy: true, stackRef: "stack-more" });
    const status = await runJson(["status", "--prefix", join(store, "review", "stack-box", "root")]);
    expect(status.instances.map((i: any) => i.name).sort()).toEqual(["app.main.0", "extra.main.0"]);
    expect(existsSync(join(root, "roles/extra.yaml"))).toBe(false);
    await json("review", "down", "stack-box");
    expect(git(root, "worktree", "list")).not.toMatch(/stack-box/);
  }, 60_000);

  it("promotes the healthy feature box to an image that proves what it ran", async () => {
    const promoted = await json("promote", "feat");
    expect(promoted).toMatchObject({ promotedFrom: "feat", parentImage: feature.image, repos: { app: git(root, "rev-parse", "feature") } });
    const verified = await json("image", "verify", promoted.id);
    expect(verified).toMatchObject({ ok: true, promotion: { box: "feat", parentImage: { id: feature.image }, repos: { app: git(root, "rev-parse", "feature") } } });
    const statement = JSON.parse(readFileSync(join(store, "images", promoted.id, "provenance.intoto.json"), "utf8"));
    expect(statement.predicate.buildDefinition.resolvedDependencies).toContainEqual(expect.objectContaining({ name: "app", digest: { gitCommit: git(root, "rev-parse", "feature") } }));
    expect(statement.predicate.buildDefinition.internalParameters.healthVerifiedAt).toBe(promoted.healthVerifiedAt);
    expect((await json("image", "ls")).images.find((i: any) => i.id === promoted.id).promotedFrom).toBe("feat");

    // A production box from the promoted image runs exactly the reviewed commit.
    await json("boot", "--image", promoted.id, "--prefix", prodPrefix, "--tag", "unibox:mode=production", "--tag", "unibox:service=app", "--port-offset", "21000", "--status-port", "0", "--wait", "60");
    expect(await get("http://127.0.0.1:24000/")).toBe("v2 built");
    expect(JSON.parse(readFileSync(join(prodPrefix, "opt/unibox/manifest.json"), "utf8")).repos.app.commit).toBe(git(root, "rev-parse", "feature"));
    const fleet = (await json("fleet", "ls")).boxes;
    expect(fleet.find((b: any) => b.name === prodPrefix)).toMatchObject({ mode: "production", service: "app", image: promoted.id });
    expect((await json("fleet", "ls", "--mode", "review")).boxes.map((b: any) => b.name)).toEqual(["feat", "main-box"]);
  }, 120_000);

  it("refuses to promote a box that is not healthy, and one unibox did not make", async () => {
    const stopped = await cli("promote", "feat");
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/feat/);
    mkdirSync(join(store, "review", "stranger"));
    const stranger = await cli("promote", "stranger");
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/not a review box unibox made/);
    expect((await cli("review", "down", "stranger")).code).toBe(1);
    expect(existsSync(join(store, "review", "stranger"))).toBe(true);
  }, 30_000);

  it("prunes only what nothing uses: never a running box's image, a promoted one, or a box's own", async () => {
    write("roles/app.yaml", "repo: app\ncommand: node server.js\nport: 3000\nentry: true\nhealth: { http: /health, expect: ok, timeout: 3s }\n");
    commitAll(root, "a newer image");
    const newer = (await json("image", "build")).id;
    const dry = await json("image", "prune", "--keep", "0", "--dry-run");
    // The newest build nothing runs, and the image the --stack-ref box ran (it is gone): nothing in use.
    expect(dry.removed.map((r: any) => r.id)).toContain(newer);
    expect(dry.removed.map((r: any) => r.id)).not.toContain(image);
    expect(dry.removed.map((r: any) => r.id)).not.toContain(feature.image);
    expect(dry.removed).toHaveLength(2);
    expect(existsSync(join(store, "images", newer))).toBe(true);
    expect(Object.fromEntries(dry.kept.map((k: any) => [k.id, k.reason]))).toMatchObject({ [image]: expect.stringMatching(/main-box runs it/), [feature.image]: expect.stringMatching(/feat runs it/) });
    await json("review", "down", "main-box");
    const pruned = await json("image", "prune", "--keep", "1");
    // main-box's image, no longer run by anything (and the --stack-ref box's, gone with it); never the newest.
    expect(pruned.removed.map((r: any) => r.id)).toContain(image);
    expect(pruned.removed.map((r: any) => r.id)).not.toContain(newer);
    expect(pruned.removed.map((r: any) => r.id)).not.toContain(feature.image);
    expect(existsSync(join(store, "images", image))).toBe(false);
    expect(existsSync(join(store, "images", newer))).toBe(true);
  }, 120_000);

  it("takes a half-made box down and removes it when review up gets SIGTERM", async () => {
    const child = spawn(process.execPath, [bin, "review", "up", "--name", "interrupted", "--root", root, "--store", store], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    await pollUntil(() => stderr.includes("booting"), 30_000, 20);
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    expect(code, stderr).not.toBe(0);
    expect(stderr).toMatch(/SIGTERM: cancelling; taking the half-made box down/);
    expect(existsSync(join(store, "review", "interrupted"))).toBe(false);
    expect(listProcesses().filter((p) => p.argv.join(" ").includes(join(store, "review", "interrupted")))).toEqual([]);
  }, 60_000);

  it("reaps a box idle past its 1 s TTL, and only that one", async () => {
    await json("review", "up", "--name", "short", "--ttl", "1s");
    await pollUntil(async () => (await json("review", "reap", "--dry-run")).boxes.some((b: any) => b.name === "short"), 10_000, 200);
    expect(existsSync(join(store, "review", "short"))).toBe(true);
    const reaped = await json("review", "reap");
    expect(reaped.boxes.map((b: any) => b.name)).toEqual(["short"]);
    expect(reaped.kept.map((b: any) => b.name)).toContain("feat");
    expect(existsSync(join(store, "review", "short"))).toBe(false);
  }, 60_000);
});

async function pollUntilActivity(name: string, before: string): Promise<any[]> {
  let boxes: any[] = [];
  await pollUntil(async () => {
    boxes = (await json("review", "ls")).boxes;
    return Date.parse(boxes.find((b: any) => b.name === name).lastActivity) > Date.parse(before);
  }, 10_000, 200);
  return boxes;
}
