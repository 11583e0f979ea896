// Boot and down with real runit, whole process, medians of 5, each run on a fresh temp prefix:
// - `unibox boot` until every instance is `run:` in `sv status`, for 6 and 300 instances, beside the
//   floor: runsvdir alone starting the very same service directories (same run scripts, same prefix);
// - `unibox down` of 6 instances that stop at once, and of 6 where one ignores TERM (grace 2 s):
//   its time and the app processes left behind.
// Every prefix is torn down with `down --reset`, or by HUP to its runsvdir if that fails.
//
// On these machines the root ext4 runs without a journal, and then the kernel will not reuse an inode
// deleted in the last 60 s (300 s while its inode-table block is dirty): every file created soon after
// mass deletions pays a scan over them (perf: recently_deleted/find_inode_bit under open and mkdir).
// So the boot runs delete nothing until all of them are measured: each prefix's processes are stopped
// at once, its files are removed (`down --reset`, rm) after the last boot figure.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateStack, median, row, unibox } from "./lib.js";

const RUNS = 5;
const POLL_MS = 20;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// BENCH_DEBUG=1: how long each step of the suite takes, on stderr.
const debug = process.env.BENCH_DEBUG ? (what, since) => console.error(`bench/boot: ${what} ${(now() - since).toFixed(0)} ms`) : () => {};

export default async function benchBoot() {
  const rows = [];
  const deferred = [];
  try {
    for (const [services, replicas] of [
      [2, 3],
      [100, 3],
    ]) {
      const n = services * replicas;
      const root = stack(services, replicas);
      const boots = [];
      const exits = [];
      const floors = [];
      for (let i = 0; i < RUNS; i++) {
        await withPrefix(
          root,
          async (prefix) => {
            const b = await timeBoot(prefix, root, n);
            debug(`boot ${n}: boot exited at ${b.exitMs.toFixed(0)} ms, all run: at`, now() - b.allRunMs);
            boots.push(b.allRunMs);
            exits.push(b.exitMs);
            floors.push(await timeFloor(prefix, b.dirs));
            debug(`floor ${n}: all run: at`, now() - floors.at(-1));
          },
          deferred,
        );
      }
      const boot = median(boots);
      const floor = median(floors);
      rows.push(
        row(
          `boot → all ${n} instances run: (${services} services × ${replicas}, sleep)`,
          boots,
          `${RUNS} runs; boot process exited at ${median(exits).toFixed(0)} ms (median); sv status polled every ${POLL_MS} ms from spawn`,
        ),
      );
      rows.push(row(`floor: runsvdir -P alone on the same ${n} service dirs → all run:`, floors, `${RUNS} runs; boot/floor ${(boot / floor).toFixed(1)}×, boot adds ${(boot - floor).toFixed(0)} ms`));
    }
  } finally {
    for (const d of deferred) await teardownOnce(d.prefix, d.root);
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    roots.clear();
  }

  // down: 6 instances whose apps exit on TERM at once.
  {
    const root = stack(2, 3);
    try {
      rows.push(await benchDown(root, 6, "down, 6 instances, apps stop at once on TERM"));
    } finally {
      rmSync(root, { recursive: true, force: true });
      roots.delete(root);
    }
  }
  // down: 5 such instances and one that ignores TERM (its children too), grace 2 s.
  {
    const root = stack(1, 5);
    const stubborn = `sh -c 'trap "" TERM; while :; do sleep 1; done'`;
    writeFileSync(join(root, "roles/stubborn.yaml"), `command: ${JSON.stringify(stubborn)}\nreplicas: 1\nmodes: [review, production]\nstop: { grace: 2s }\n`);
    try {
      rows.push(await benchDown(root, 6, "down, 6 instances, one ignores TERM (stop grace 2s)"));
    } finally {
      rmSync(root, { recursive: true, force: true });
      roots.delete(root);
    }
  }
  return rows;
}

/** A generated stack of apps that start at once (`sleep`), remembered for the signal handler. */
function stack(services, replicas) {
  const root = generateStack(services, replicas, "sleep 100000");
  roots.add(root);
  return root;
}

/** Spawns `unibox boot` and polls `sv status` of every instance until all are `run:`. */
async function timeBoot(prefix, root, expected) {
  const svRoot = join(prefix, "etc/unibox/sv");
  // The instance names, from the plan (boot has not written the dirs yet when polling starts).
  const plan = spawnSync(process.execPath, [unibox, "plan", "--json", "--root", root, "--tags-file", join(root, "tags-review.json")], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (plan.status !== 0) throw new Error(`unibox plan exited ${plan.status}: ${plan.stderr}`);
  const names = JSON.parse(plan.stdout).instances.map((i) => i.name);
  if (names.length !== expected) throw new Error(`plan has ${names.length} instances, expected ${expected}`);
  const dirs = names.map((n) => join(svRoot, n));

  const t0 = now();
  const child = spawn(process.execPath, [unibox, "boot", "--prefix", prefix, "--tags-file", join(root, "tags-review.json"), "--root", root], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal, ms: now() - t0 }));
  });
  let bootExit;
  exited.then(
    (e) => (bootExit = e),
    () => {},
  );
  const allRunMs = await untilAllRun(dirs, t0, 60_000, () => bootExit && bootExit.code !== 0 && `unibox boot exited ${bootExit.code}: ${stderr}`);
  const e = await exited;
  if (e.code !== 0) throw new Error(`unibox boot exited ${e.code ?? e.signal}: ${stderr}`);
  return { allRunMs, exitMs: e.ms, dirs };
}

/**
 * The same prefix, stopped, started again by runsvdir alone: every app stopped (see quickStop), HUP
 * to runsvdir (every runsv exits), the scanned dir's mtime set 2 s back, then `runsvdir -P DIR` with
 * the arguments and environment boot gives it, timed until all are `run:`. Same service dirs, same
 * run scripts as the boot just timed. Nothing is deleted first (see the top): runsv's supervise dirs
 * and the markers stay (`run` removes .stopping and .started itself); quickStop writes no `down` file.
 */
async function timeFloor(prefix, dirs) {
  const serviceDir = join(prefix, "etc/service");
  let t = now();
  await quickStop(dirs);
  debug(`quick stop of ${dirs.length}`, t);
  t = now();
  const pid = readPid(prefix);
  if (!pid || !isRunsvdirOf(pid, serviceDir)) throw new Error(`no runsvdir of ${serviceDir} in the pid file`);
  process.kill(pid, "SIGHUP");
  await untilNothingUnder(prefix, [pid], 15_000);
  for (const d of dirs) if (existsSync(join(d, "down"))) throw new Error(`${d}/down exists: runsv would not start it`);
  const past = new Date(Date.now() - 2000);
  utimesSync(serviceDir, past, past);
  debug("HUP runsvdir, runsv gone", t);

  const t0 = now();
  const child = spawn("runsvdir", ["-P", serviceDir, `log: ${".".repeat(200)}`], {
    detached: true,
    stdio: "ignore",
    env: { PATH: process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", resolve);
  });
  child.unref();
  // `down --reset` finds it by its arguments; the pid file says so too for the HUP fallback.
  writeFileSync(join(prefix, "run/unibox/runsvdir.pid"), `${child.pid}\n`);
  return untilAllRun(dirs, t0, 60_000);
}

/**
 * Stops every app without control/t: `sv once` (runsv will not restart it), the `.stopping` marker
 * (finish then counts no crash), TERM to each app's pid from `sv status`; waits until all are `down:`.
 * `unibox down` is not used here: its control/t scans /proc per service per tick, and 300 of them in
 * parallel took ~30 s on these 2 cores, beyond the 15 s `sv stop` waits (it exits 1).
 */
async function quickStop(dirs) {
  for (const d of dirs) writeFileSync(join(d, ".stopping"), "");
  const once = spawnSync("sv", ["once", ...dirs], { encoding: "utf8", env: { ...process.env, SVDIR: "/nonexistent" } });
  if (once.status !== 0) throw new Error(`sv once failed for ${once.status} services: ${once.stdout}${once.stderr}`);
  const pids = [];
  for (const line of (await svStatus(dirs)).split("\n")) {
    const m = /^run: (.+?): \(pid (\d+)\)/.exec(line);
    if (m) pids.push(Number(m[2]));
  }
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // exited meanwhile
    }
  }
  const deadline = now() + 15_000;
  for (;;) {
    const out = await svStatus(dirs);
    const down = out.split("\n").filter((l) => l.startsWith("down: ")).length;
    if (down === dirs.length) return;
    if (now() > deadline) throw new Error(`${dirs.length - down} of ${dirs.length} instances not down 15 s after TERM`);
    await sleep(50);
  }
}

/** Polls `sv status` every POLL_MS ms; returns ms from t0 to the end of the call that saw every dir `run:`. */
async function untilAllRun(dirs, t0, timeoutMs, failed = () => undefined) {
  for (;;) {
    const tick = now();
    const out = await svStatus(dirs);
    const running = new Set();
    for (const line of out.split("\n")) {
      const m = /^run: (.+?): \(pid \d+\)/.exec(line);
      if (m) running.add(m[1]);
    }
    const t = now();
    if (dirs.every((d) => running.has(d))) return t - t0;
    const why = failed();
    if (why) throw new Error(why);
    if (t - t0 > timeoutMs) throw new Error(`${dirs.length - dirs.filter((d) => running.has(d)).length} of ${dirs.length} instances not run: after ${timeoutMs} ms`);
    await sleep(Math.max(0, POLL_MS - (t - tick)));
  }
}

function svStatus(dirs) {
  return new Promise((resolve, reject) => {
    const child = spawn("sv", ["status", ...dirs], { stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, SVDIR: "/nonexistent" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.once("error", reject);
    child.once("close", () => resolve(out));
  });
}

/** `down` timed as a whole process; app processes (by pid and process group, from `status --json`) left after it. */
async function benchDown(root, expected, name) {
  const times = [];
  const left = [];
  for (let i = 0; i < RUNS; i++) {
    await withPrefix(root, async (prefix) => {
      // Not `boot --wait`: its health gate is not what is measured here (and it compares `.started`
      // with runsv's start time, which can come later under load). Every instance `run:`, each app
      // in its own group, settled.
      const b = await timeBoot(prefix, root, expected);
      const status = JSON.parse(unib(["status", "--prefix", prefix, "--json"]));
      const pids = status.instances.map((s) => s.pid).filter((p) => p);
      if (pids.length !== expected || status.instances.some((s) => s.state !== "up")) throw new Error(`expected ${expected} running instances: ${JSON.stringify(status.instances)}`);
      if (b.dirs.length !== expected) throw new Error(`expected ${expected} service dirs`);
      await untilAppsSettled(pids, 10_000);
      // chpst -P: each app leads its own process group; count its children too.
      const groups = new Set(pids);
      const before = processes().filter((p) => groups.has(p.pgid) || groups.has(p.pid)).length;
      const t0 = now();
      const down = spawnSync(process.execPath, [unibox, "down", "--prefix", prefix, "--json"], { encoding: "utf8" });
      times.push(now() - t0);
      if (down.status !== 0) throw new Error(`unibox down exited ${down.status}: ${down.stderr}`);
      const report = JSON.parse(down.stdout);
      if (report.stopped.length !== expected) throw new Error(`down stopped ${report.stopped.length} of ${expected}`);
      left.push({ before, after: processes().filter((p) => groups.has(p.pgid) || groups.has(p.pid)).length });
    });
  }
  const leftTotal = left.reduce((a, l) => a + l.after, 0);
  return row(name, times, `${RUNS} runs; app processes left: ${leftTotal} in all runs (of ${left.map((l) => l.before).join("/")} before)`);
}

/** Until each pid leads its own process group (chpst -P done) and runs the app, not chpst; then 300 ms more. */
async function untilAppsSettled(pids, timeoutMs) {
  const deadline = now() + timeoutMs;
  const settled = (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(f[2]) === pid && !readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("chpst");
    } catch {
      return false;
    }
  };
  while (!pids.every(settled)) {
    if (now() > deadline) throw new Error(`apps ${pids.filter((p) => !settled(p)).join(" ")} not started after ${timeoutMs} ms`);
    await sleep(20);
  }
  await sleep(300);
}

function unib(args) {
  const r = spawnSync(process.execPath, [unibox, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`unibox ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

// ---- prefixes: fresh per run, always torn down -------------------------------------------------

/** Prefixes not yet torn down (prefix → stack root), and the generated stacks: for the signal handler. */
const live = new Map();
const roots = new Set();

/**
 * Runs `fn` on a fresh prefix, then tears it down. With `deferred` (a list), only its processes are
 * stopped now (see stopProcesses) and the prefix is added to the list for a teardown later.
 */
async function withPrefix(root, fn, deferred) {
  const prefix = realpathSync(mkdtempSync(join(tmpdir(), "unibox-bench-box-")));
  live.set(prefix, root);
  let failed = true;
  try {
    const r = await fn(prefix);
    failed = false;
    return r;
  } finally {
    if (deferred && !failed && (await stopProcesses(prefix))) deferred.push({ prefix, root });
    else await teardownOnce(prefix, root);
  }
}

async function teardownOnce(prefix, root) {
  if (!live.has(prefix)) return;
  try {
    await teardown(prefix, root);
  } finally {
    live.delete(prefix);
  }
}

/** Stops the apps by pid (quickStop), then the prefix's runsvdir by HUP; deletes nothing. Returns false when that did not work. */
async function stopProcesses(prefix) {
  const t = now();
  try {
    const svRoot = join(prefix, "etc/unibox/sv");
    const dirs = readdirSync(svRoot).filter((n) => !n.startsWith(".")).map((n) => join(svRoot, n));
    await quickStop(dirs);
    const serviceDir = join(prefix, "etc/service");
    const pids = runsvdirsOf(prefix, serviceDir);
    for (const pid of pids) process.kill(pid, "SIGHUP");
    await untilNothingUnder(prefix, pids, 15_000);
    debug("stop processes (teardown later)", t);
    return true;
  } catch (err) {
    console.error(`bench/boot: stopping ${prefix} failed (${err.message}); tearing it down now`);
    return false;
  }
}

/** runsvdir processes of this prefix: the pid file's, and any whose arguments name its service dir. */
function runsvdirsOf(prefix, serviceDir) {
  return [...new Set([readPid(prefix), ...processes().map((p) => p.pid)])].filter((pid) => pid && isRunsvdirOf(pid, serviceDir));
}

/**
 * `down --reset`; if that fails or leaves anything, HUP the prefix's runsvdir (the pid file's, or the
 * one whose arguments name this prefix's service dir). Then removes the prefix. Apps run in `root`.
 */
async function teardown(prefix, root) {
  const serviceDir = join(prefix, "etc/service");
  const t0 = now();
  const r = spawnSync(process.execPath, [unibox, "down", "--prefix", prefix, "--reset", "--json"], { encoding: "utf8", timeout: 120_000 });
  debug("teardown: down --reset", t0);
  if (r.status !== 0 || runsvdirsOf(prefix, serviceDir).length > 0 || under(prefix).length > 0) {
    const pids = runsvdirsOf(prefix, serviceDir);
    for (const pid of pids) process.kill(pid, "SIGHUP");
    await untilNothingUnder(prefix, pids, 15_000);
    console.error(`bench/boot: down --reset of ${prefix} exited ${r.status}, left runsvdir/runsv behind; stopped by HUP. ${r.stderr ?? ""}`.trim());
  }
  const t1 = now();
  rmSync(prefix, { recursive: true, force: true });
  debug("teardown: rm -r prefix", t1);
  // An app that outlived all this (it works in the stack dir): stop it by pid, and say so.
  const stray = under(realpathSync(root));
  if (stray.length > 0) {
    for (const p of stray) process.kill(p.pid, "SIGKILL");
    throw new Error(`app processes outlived the teardown of ${prefix}: ${stray.map((p) => p.pid).join(" ")} (killed)`);
  }
}

function readPid(prefix) {
  try {
    return Number(readFileSync(join(prefix, "run/unibox/runsvdir.pid"), "utf8").trim()) || undefined;
  } catch {
    return undefined;
  }
}

function isRunsvdirOf(pid, dir) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return argv[0].endsWith("runsvdir") && argv.includes(dir) && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Live processes working under the prefix (runsv, svlogd). */
function under(prefix) {
  return processes().filter((p) => {
    try {
      const cwd = readlinkSync(`/proc/${p.pid}/cwd`);
      return cwd === prefix || cwd.startsWith(`${prefix}/`);
    } catch {
      return false;
    }
  });
}

async function untilNothingUnder(prefix, pids, timeoutMs) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const alive = processes().filter((p) => pids.includes(p.pid));
    const rest = under(prefix);
    if (alive.length === 0 && rest.length === 0) return;
    if (now() > deadline) throw new Error(`still running under ${prefix} after ${timeoutMs} ms: ${[...alive, ...rest].map((p) => p.pid).join(" ")}`);
    await sleep(50);
  }
}

/** Live (not zombie) processes from /proc: pid, pgid. */
function processes() {
  const out = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (f[0] !== "Z") out.push({ pid: Number(name), pgid: Number(f[2]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

// Ctrl-C or TERM mid-run: stop what this suite started (apps by pid as in quickStop, then runsvdir by
// HUP), reset and remove each prefix and stack, then exit.
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    const waitFor = (done, secs) => {
      for (let i = 0; i < secs * 5 && !done(); i++) spawnSync("sleep", ["0.2"]);
    };
    const svEnv = { ...process.env, SVDIR: "/nonexistent" };
    for (const [prefix] of live) {
      const serviceDir = join(prefix, "etc/service");
      const svRoot = join(prefix, "etc/unibox/sv");
      const dirs = existsSync(svRoot) ? readdirSync(svRoot).filter((n) => !n.startsWith(".")).map((n) => join(svRoot, n)) : [];
      if (dirs.length > 0 && runsvdirsOf(prefix, serviceDir).length > 0) {
        for (const d of dirs) writeFileSync(join(d, ".stopping"), "");
        spawnSync("sv", ["once", ...dirs], { env: svEnv });
        const status = spawnSync("sv", ["status", ...dirs], { encoding: "utf8", env: svEnv }).stdout ?? "";
        for (const m of status.matchAll(/^run: .+?: \(pid (\d+)\)/gm)) {
          try {
            process.kill(Number(m[1]), "SIGTERM");
          } catch {
            // gone meanwhile
          }
        }
        waitFor(() => !/^run: /m.test(spawnSync("sv", ["status", ...dirs], { encoding: "utf8", env: svEnv }).stdout ?? ""), 15);
      }
      for (const pid of runsvdirsOf(prefix, serviceDir)) process.kill(pid, "SIGHUP");
      waitFor(() => under(prefix).length === 0, 30);
      spawnSync(process.execPath, [unibox, "down", "--prefix", prefix, "--reset", "--json"], { timeout: 60_000 });
      rmSync(prefix, { recursive: true, force: true });
    }
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    process.exit(130);
  });
}
