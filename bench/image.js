// Image build and boot from an image, whole process, on copies of the sample stack in temp dirs:
// - a local build from nothing (fresh store: every repo built, unibox installed; npm's own download cache
//   of this machine is what it is, warm after `npm ci`);
// - a no-op rebuild (nothing changed: reused), median of 5;
// - on a two-repo copy (apps/api and apps/jobs, same code), the rebuild after one repo changed, against
//   the time to build that repo alone (the same `git archive` + `npm ci --omit=dev`, as the build user, with
//   the same npm cache, by itself), medians of 3;
// - a review box booted from the built image to all healthy, beside the old way the seed describes: the
//   repo's build step (`npm ci --omit=dev`, with an empty npm cache as on a new instance) done at boot, then
//   boot from the working tree; both initialise postgres at first start. Medians of 3, fresh prefix each.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, repoRoot, row, unibox } from "./lib.js";

const OFFSET = 31_000;
const now = () => Number(process.hrtime.bigint()) / 1e6;

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const git = (dir, ...args) => sh("git", ["-C", dir, ...args], { env: { ...process.env, GIT_AUTHOR_NAME: "b", GIT_AUTHOR_EMAIL: "b@x", GIT_COMMITTER_NAME: "b", GIT_COMMITTER_EMAIL: "b@x" } });

/** A copy of the sample stack (committed, in its own git repo), optionally with apps/jobs beside apps/api. */
function stackCopy(twoRepos) {
  const root = mkdtempSync(join(tmpdir(), "unibox-bench-image-"));
  chmodSync(root, 0o755);
  for (const part of ["roles", "envdirs", "image", "support", "examples"]) cpSync(join(repoRoot, part), join(root, part), { recursive: true });
  const app = (name) => {
    mkdirSync(join(root, "apps", name), { recursive: true });
    for (const f of ["package.json", "package-lock.json", "src"]) cpSync(join(repoRoot, "apps/api", f), join(root, "apps", name, f), { recursive: true });
  };
  app("api");
  if (twoRepos) {
    app("jobs");
    const yaml = readFileSync(join(root, "image/image.yaml"), "utf8");
    writeFileSync(join(root, "image/image.yaml"), yaml.replace("\n# More of this stack root", `  - name: jobs\n    url: ./apps/jobs\n    ref: HEAD\n    build: ["npm ci --omit=dev"]\n\n# More of this stack root`));
  }
  writeFileSync(join(root, ".gitignore"), ".unibox/\nnode_modules/\n");
  git(root, "init", "-q", "-b", "main");
  git(root, "add", "-A");
  git(root, "commit", "-qm", "stack");
  return root;
}

function build(root) {
  const t0 = now();
  const out = JSON.parse(sh(process.execPath, [unibox, "image", "build", "--root", root, "--json"]));
  return { ms: now() - t0, out };
}

function bootWait(args, prefix) {
  const t0 = now();
  sh(process.execPath, [unibox, "boot", ...args, "--prefix", prefix, "--tags-file", join(repoRoot, "examples/tags/review.json"), "--port-offset", String(OFFSET), "--wait", "180"]);
  return now() - t0;
}

function freshPrefix() {
  const p = mkdtempSync(join(tmpdir(), "unibox-bench-image-box-"));
  chmodSync(p, 0o755);
  return p;
}

function down(prefix) {
  spawnSync(process.execPath, [unibox, "down", "--reset", "--prefix", prefix], { stdio: "ignore" });
  rmSync(prefix, { recursive: true, force: true });
}

async function removeStack(root) {
  // The store's images are read-only: their directories are made writable again first.
  spawnSync("find", [root, "-type", "d", "-exec", "chmod", "u+w", "{}", "+"]);
  rmSync(root, { recursive: true, force: true });
}

export default async function benchImage() {
  const rows = [];
  const one = stackCopy(false);
  const two = stackCopy(true);
  try {
    const cold = build(one);
    rows.push(row("image build of the sample stack from nothing (local target, fresh store)", cold.ms, "1 run"));
    const noop = [];
    for (let i = 0; i < 5; i++) noop.push(build(one).ms);
    rows.push(row("image build again, nothing changed (reused)", noop, `${noop.length} runs`));

    build(two);
    const rebuilds = [];
    const alone = [];
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(two, "apps/jobs/src/bench-change.js"), `// change ${i} ${Date.now()}\n`);
      git(two, "add", "-A");
      git(two, "commit", "-qm", `jobs change ${i}`);
      const r = build(two);
      if (r.out.repoBuilds.api.built || !r.out.repoBuilds.jobs.built) throw new Error(`expected only jobs rebuilt: ${JSON.stringify(r.out.repoBuilds)}`);
      rebuilds.push(r.ms);
      alone.push(buildRepoAlone(two, "jobs"));
    }
    const rebuild = median(rebuilds);
    const repoAlone = median(alone);
    rows.push(row("image build after one of two repos changed", rebuilds, `${rebuilds.length} runs; ${(rebuild / repoAlone).toFixed(2)}x that repo's build alone`));
    rows.push(row("  that repo's build alone (git archive + npm ci --omit=dev as the build user, same npm cache)", alone, `${alone.length} runs`));

    const image = cold.out.id;
    const fromImage = [];
    const oldWay = [];
    for (let i = 0; i < 3; i++) {
      let prefix = freshPrefix();
      try {
        fromImage.push(bootWait(["--root", one, "--image", image], prefix));
      } finally {
        down(prefix);
      }
      prefix = freshPrefix();
      try {
        oldWay.push(oldWayBoot(one, prefix));
      } finally {
        down(prefix);
      }
    }
    const a = median(fromImage);
    const b = median(oldWay);
    rows.push(row("review box from the image to all healthy", fromImage, `${fromImage.length} runs, fresh prefix each; the old way is ${(b / a).toFixed(1)}x slower`));
    rows.push(row("  the old way: build step at boot (empty npm cache), then boot from the working tree", oldWay, `${oldWay.length} runs, fresh prefix each`));
  } finally {
    await removeStack(one);
    await removeStack(two);
  }
  return rows;
}

// What the build does for one repo, by itself: the commit's files, then its build step as the build user.
function buildRepoAlone(root, name) {
  const dir = mkdtempSync(join(tmpdir(), "unibox-bench-repo-"));
  chmodSync(dir, 0o755);
  const cache = join(root, ".unibox/cache/npm-unibox-build");
  try {
    const t0 = now();
    sh("sh", ["-c", `git -C "${root}" archive HEAD:apps/${name} | tar -x -C "${dir}" && chown -R unibox-build: "${dir}"`]);
    sh("setpriv", ["--reuid=unibox-build", "--regid=unibox-build", "--init-groups", "env", "-i", `HOME=${dir}`, `PATH=${process.env.PATH}`, `npm_config_cache=${cache}`, "sh", "-c", `cd "${dir}" && npm ci --omit=dev --no-audit --no-fund --loglevel=error`]);
    return now() - t0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The seed's old way: the box checks out the repo and runs its build step at boot, with nothing cached.
function oldWayBoot(stack, prefix) {
  const work = mkdtempSync(join(tmpdir(), "unibox-bench-oldway-"));
  chmodSync(work, 0o755);
  try {
    const t0 = now();
    for (const part of ["roles", "envdirs", "image", "support"]) cpSync(join(stack, part), join(work, part), { recursive: true });
    mkdirSync(join(work, "apps/api"), { recursive: true });
    sh("sh", ["-c", `git -C "${stack}" archive HEAD:apps/api | tar -x -C "${work}/apps/api"`]);
    sh("sh", ["-c", `cd "${work}/apps/api" && npm ci --omit=dev --no-audit --no-fund --loglevel=error --cache "${work}/.npm-cache"`]);
    rmSync(join(work, ".npm-cache"), { recursive: true, force: true });
    sh(process.execPath, [unibox, "boot", "--root", work, "--prefix", prefix, "--tags-file", join(repoRoot, "examples/tags/review.json"), "--port-offset", String(OFFSET), "--wait", "180"]);
    return now() - t0;
  } finally {
    spawnSync(process.execPath, [unibox, "down", "--reset", "--prefix", prefix], { stdio: "ignore" });
    rmSync(work, { recursive: true, force: true });
  }
}
