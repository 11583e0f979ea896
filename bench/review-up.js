// Local review boxes of the sample stack, whole process, on a copy of the stack (committed, in its own git repo)
// with its image store in a temp dir (mode 0755: postgres, redis and www-data enter it). The image is built once
// (reported as setup). Then:
// - `review up` of one box to healthy (the command returns only then), median of 3, the box taken down between;
// - five boxes side by side: five `review up` processes started at once, until the last returns healthy, each
//   box's URL then asked for its welcome page; median of RUNS_PARALLEL;
// - `promote` of a healthy box, median of 3, each on a fresh box (promotion stops the box it images);
// - `review up --ref api=<commit>` of a commit that changes apps/api: the first builds the api repo at that
//   commit (a derived image), a second box on the same commit reuses that image.
// Every box is taken down at the end, on error too, and the processes left under the stack are counted.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatTimes, median, repoRoot, row, unibox } from "./lib.js";

const RUNS_PARALLEL = 2;
const WAIT = "600";
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: "b", GIT_AUTHOR_EMAIL: "b@x", GIT_COMMITTER_NAME: "b", GIT_COMMITTER_EMAIL: "b@x" };
const git = (dir, ...args) => sh("git", ["-C", dir, ...args], { env: gitEnv }).trim();

/** A copy of the sample stack, committed in its own git repo, and an empty store beside it. */
function stackCopy() {
  const root = mkdtempSync(join(tmpdir(), "unibox-bench-review-up-"));
  chmodSync(root, 0o755);
  for (const part of ["roles", "envdirs", "image", "support"]) cpSync(join(repoRoot, part), join(root, part), { recursive: true });
  mkdirSync(join(root, "apps/api"), { recursive: true });
  for (const f of ["package.json", "package-lock.json", "src"]) cpSync(join(repoRoot, "apps/api", f), join(root, "apps/api", f), { recursive: true });
  writeFileSync(join(root, ".gitignore"), ".unibox/\nnode_modules/\nstore/\n");
  git(root, "init", "-q", "-b", "main");
  git(root, "add", "-A");
  git(root, "commit", "-qm", "stack");
  const store = join(root, "store");
  mkdirSync(store, { mode: 0o755 });
  chmodSync(store, 0o755);
  return { root, store };
}

export default async function benchReviewUp() {
  const { root, store } = stackCopy();
  const cli = (...args) => [unibox, ...args, "--root", root, "--store", store];
  const run = (...args) => sh(process.execPath, cli(...args));
  const up = (name, ...extra) => JSON.parse(run("review", "up", "--name", name, "--wait", WAIT, "--json", ...extra)).boxes[0];
  const down = (name) => run("review", "down", name);
  const timed = (fn) => {
    const t0 = now();
    const value = fn();
    return { ms: now() - t0, value };
  };
  const rows = [];
  // A box whose URL does not answer its welcome page is reported, not fatal: the timing still stands.
  const problems = [];
  const check = async (box) => {
    const p = await expectWelcome(box);
    if (p) problems.push(p);
    return !p;
  };
  try {
    const image = timed(() => JSON.parse(run("image", "build", "--json")));
    rows.push(row("setup: image build of the sample stack (local target, fresh store)", image.ms, `1 run; ${image.value.id}`));

    const single = [];
    for (let i = 0; i < 3; i++) {
      const r = timed(() => up("b1"));
      single.push(r.ms);
      await check(r.value);
      down("b1");
    }
    rows.push(row("review up of one box to healthy", single, `${single.length} runs, taken down between`));

    const parallel = [];
    let answered = "";
    for (let i = 0; i < RUNS_PARALLEL; i++) {
      const names = ["p1", "p2", "p3", "p4", "p5"];
      const t0 = now();
      const results = await Promise.all(names.map((n) => runAsync(cli("review", "up", "--name", n, "--wait", WAIT, "--json"))));
      parallel.push(now() - t0);
      const failed = results.map((r, j) => [names[j], r]).filter(([, r]) => r.code !== 0);
      if (failed.length) throw new Error(failed.map(([n, r]) => `review up --name ${n} exited ${r.code}:\n${r.stderr}`).join("\n"));
      const boxes = results.map((r) => JSON.parse(r.stdout).boxes[0]);
      let ok = 0;
      for (const box of boxes) ok += (await check(box)) ? 1 : 0;
      answered = `${ok}/${boxes.length} URLs answered welcome, ${new Set(boxes.map((b) => b.url)).size} distinct`;
      for (const n of names) down(n);
    }
    rows.push(row("five review up at once, until the last is healthy", parallel, `${parallel.length} runs; ${answered}; one box alone ${(median(single) / 1000).toFixed(1)} s`));

    const promotes = [];
    for (let i = 0; i < 3; i++) {
      up("pr");
      const r = timed(() => JSON.parse(run("promote", "pr", "--json")));
      if (r.value.promotedFrom !== "pr") throw new Error(`promote pr: ${JSON.stringify(r.value)}`);
      promotes.push(r.ms);
      down("pr");
    }
    rows.push(row("promote of a healthy review box", promotes, `${promotes.length} runs, fresh box each`));

    // A commit that changes apps/api, on a branch: main's HEAD stays what the image holds.
    git(root, "checkout", "-q", "-b", "change");
    writeFileSync(join(root, "apps/api/src/bench-change.js"), `// a change for review up --ref ${Date.now()}\n`);
    git(root, "add", "-A");
    git(root, "commit", "-qm", "api change");
    const commit = git(root, "rev-parse", "HEAD");
    git(root, "checkout", "-q", "main");
    const first = timed(() => up("r1", "--ref", `api=${commit}`));
    await check(first.value);
    const second = timed(() => up("r2", "--ref", `api=${commit}`));
    await check(second.value);
    if (first.value.image === image.value.id) throw new Error(`review up --ref api=${commit} ran the base image`);
    if (second.value.image !== first.value.image) throw new Error(`the second box on ${commit} ran ${second.value.image}, not ${first.value.image}`);
    rows.push(row("review up --ref api=<commit changing apps/api>: builds api at that commit, then the box", first.ms, `1 run; derived ${first.value.image}`));
    rows.push(row("  a second box on the same commit (image reused)", second.ms, `1 run; ${(first.ms / second.ms).toFixed(1)}x faster`));
    down("r1");
    down("r2");
  } catch (error) {
    for (const r of rows) console.error(`(so far) ${formatTimes(r)[0].padStart(9)}  ${r.name}${r.note ? `  (${r.note})` : ""}`);
    throw error;
  } finally {
    for (const p of problems) console.error(`URL check: ${p}`);
    const left = await cleanUp(root, store);
    // Not a time: the table shows "–" for it.
    rows.push({ name: "cleanup: every box taken down", ms: null, min: null, max: null, note: `${left.length} processes left under the stack${left.length ? `: ${left.join("; ")}` : ""}; ${problems.length} URL checks failed` });
  }
  return rows;
}

/** Runs node with `args` without blocking the event loop; resolves with its exit code and output. */
function runAsync(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** GET on a new connection: a kept-alive one could still lead to an earlier box that had the same port. */
function getFresh(url) {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out after 5 s")));
    req.on("error", reject);
  });
}

/** Asks the box's URL for the welcome page: null, or what answered instead and who listens on that port. */
async function expectWelcome(box) {
  const res = await getFresh(box.url).catch((error) => ({ status: error.code ?? error.message, body: "" }));
  const body = res.body;
  if (res.status === 200 && body.includes("welcome")) return null;
  const port = new URL(box.url).port;
  const listener = spawnSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" }).stdout.trim();
  const owner = /pid=(\d+)/.exec(listener)?.[1];
  const where = owner ? spawnSync("readlink", [`/proc/${owner}/cwd`], { encoding: "utf8" }).stdout.trim() : "";
  return (`${box.name} at ${box.url} answered ${res.status}: ${JSON.stringify(body.slice(0, 200))}; listening there: ${listener || "nothing"} (cwd ${where || "?"})`);
}

/** Takes down every box in the store, waits (bounded) for the processes under the stack to end, removes it all. */
async function cleanUp(root, store) {
  const reviewDir = join(store, "review");
  const boxes = existsSync(reviewDir) ? readdirSync(reviewDir).filter((n) => !n.startsWith(".")) : [];
  for (const box of boxes) {
    const r = spawnSync(process.execPath, [unibox, "review", "down", box, "--root", root, "--store", store], { encoding: "utf8" });
    if (r.status !== 0) console.error(`review down ${box} exited ${r.status}: ${r.stderr}`);
  }
  // A lock holder (flock) ends a moment after its lock is released: wait for the processes, bounded.
  const deadline = Date.now() + 15_000;
  let left = processesUnder(root);
  while (left.length && Date.now() < deadline) {
    await sleep(100);
    left = processesUnder(root);
  }
  // The store's images are read-only: their directories are made writable again first.
  spawnSync("find", [root, "-type", "d", "-exec", "chmod", "u+w", "{}", "+"]);
  rmSync(root, { recursive: true, force: true });
  return left;
}

function processesUnder(root) {
  const found = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      if (argv.includes(root)) found.push(`${pid} ${argv.trim()}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
