// unibox beside its peers (issue 10): the same five-service HTTP stack, in the same run, under unibox,
// foreman (Debian's ruby-foreman) and supervisord (Debian's supervisor); installed here if missing.
// The stack: five services, two of them with two replicas: 7 HTTP instances, each a tiny node server
// answering 200 on `/` on the PORT its tool gives it. Each tool gets its own port range on 127.0.0.1
// (unibox 41000+, foreman 42000+, supervisord 43000+), so a leftover of one can never answer for another.
// RUNS runs each, tools interleaved run by run (the order rotates each run), every run in a fresh temp dir:
// - start: from spawning the tool until every instance has answered 200 (each port polled every
//   POLL_MS ms from this process);
// - stop: from sending the stop (unibox `down --reset`, TERM to foreman, TERM to supervisord) until the
//   tool has exited and no instance port answers;
// - left: live processes whose cwd or argv is inside the run's temp dir, counted when the stop is done
//   and again SETTLE_MS later (what is still on its way out is not left behind), then killed by pid.
// `node bench/peers.js` prints the rows alone; `export default` is for bench/run.js.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { median, unibox } from "./lib.js";

const RUNS = Number(process.env.BENCH_PEERS_RUNS) || 5;
const POLL_MS = 10;
const SETTLE_MS = 1000;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 60_000;
/** The stack: [service, replicas]. */
const SERVICES = [
  ["svc0", 2],
  ["svc1", 2],
  ["svc2", 1],
  ["svc3", 1],
  ["svc4", 1],
];
const INSTANCES = SERVICES.reduce((n, [, r]) => n + r, 0);
const node = process.execPath;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The server every instance runs: 200 on `/`, on PORT, loopback only. Node's default on TERM and INT is to exit.
const SERVER = `require("node:http").createServer((q, s) => { s.statusCode = q.url === "/" ? 200 : 404; s.end("ok\\n"); }).listen(Number(process.env.PORT), "127.0.0.1");\n`;

/** Run dirs not yet cleaned up, and the tool processes alive: for the finally and the signal handler. */
const runDirs = new Set();
const children = new Set();

export default async function benchPeers() {
  ensureTools();
  // Ctrl-C or TERM mid-run: stop what this suite started, by pid, remove the run dirs, exit.
  const onSignal = () => cleanupAll().finally(() => process.exit(130));
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, onSignal);
  const tools = [uniboxTool(), foremanTool(), supervisordTool()];
  const keys = ["start", "bootExit", "stop", "stopExit", "stopClosed", "leftNow", "leftSettled"];
  const results = new Map(tools.map((t) => [t.name, Object.fromEntries(keys.map((k) => [k, []]))]));
  try {
    for (let i = 0; i < RUNS; i++) {
      for (let j = 0; j < tools.length; j++) {
        const tool = tools[(i + j) % tools.length];
        const r = results.get(tool.name);
        const m = await oneRun(tool);
        for (const k of keys) r[k].push(m[k === "start" || k === "stop" ? `${k}Ms` : k]);
      }
    }
  } finally {
    for (const sig of ["SIGINT", "SIGTERM"]) process.off(sig, onSignal);
    await cleanupAll();
  }
  const rows = [];
  for (const [what, key] of [
    [`start → all ${INSTANCES} HTTP instances answer 200`, "start"],
    ["stop → tool exited and no instance port answers", "stop"],
  ]) {
    for (const tool of tools) {
      const r = results.get(tool.name);
      const v = r[key];
      const phases =
        key === "start"
          ? tool.name === "unibox"
            ? `; boot exited at ${median(r.bootExit).toFixed(0)} ms (median)`
            : ""
          : `; tool exited at ${median(r.stopExit).toFixed(0)} ms, ports closed at ${median(r.stopClosed).toFixed(0)} ms (medians)`;
      const left = `left after stop ${sum(r.leftSettled)} in ${RUNS} runs (${r.leftSettled.join("/")}; at stop's end ${r.leftNow.join("/")})`;
      rows.push({
        name: `${tool.name}: ${what} (${SERVICES.length} services, ${INSTANCES} instances)`,
        ms: median(v),
        min: Math.min(...v),
        max: Math.max(...v),
        note: `${v.length} runs${phases}; ${tool.stopHow}; ${left}`,
      });
    }
  }
  return rows;
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** One start, stop and leftover count of `tool`, in a fresh temp dir; everything in it is killed after. */
async function oneRun(tool) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `unibox-bench-peers-${tool.short}-`)));
  runDirs.add(dir);
  try {
    write(dir, "server.js", SERVER);
    const ports = tool.ports();
    const answering = await answeringPorts(ports);
    if (answering.length) throw new Error(`${tool.name}: ports ${answering.join(" ")} already answer before the start (a leftover?)`);
    const setup = tool.setup(dir);

    const t0 = now();
    const started = launch(tool.name, setup.start.cmd, setup.start.args, setup.start.cwd);
    const startMs = await untilAllAnswer(ports, t0, () => started.failed());

    // Stop: the tool must exit (unibox: `down`; the others: the supervisor itself), timed from sending it.
    let stopper;
    let t1;
    if (setup.stop.signal) {
      t1 = now();
      process.kill(started.pid, setup.stop.signal);
      stopper = started;
    } else {
      // unibox: boot has normally exited by now (it starts runsvdir and returns); awaited before the clock starts.
      const e = await started.exit;
      if (e.code !== 0) throw new Error(`${tool.name}: boot exited ${e.code ?? e.signal}: ${started.stderr()}`);
      t1 = now();
      stopper = launch(`${tool.name} down`, setup.stop.cmd, setup.stop.args, setup.stop.cwd);
    }
    const stopped = await untilStopped(stopper, ports, t1);
    const e = await stopper.exit;
    if (e.code !== 0 && !setup.stop.signal) throw new Error(`${tool.name}: stop exited ${e.code ?? e.signal}: ${stopper.stderr()}`);
    await started.exit;

    const leftNow = inside(dir).length;
    await sleep(SETTLE_MS);
    const left = inside(dir);
    if (process.env.BENCH_DEBUG && left.length) console.error(`bench/peers: ${tool.name} left ${left.map((p) => `${p.pid} ${p.argv.join(" ")}`).join("; ")}`);
    const bootExit = setup.stop.signal ? undefined : (await started.exit).at - t0;
    return { startMs, bootExit, stopMs: stopped.ms, stopExit: stopped.exitMs, stopClosed: stopped.closedMs, leftNow, leftSettled: left.length };
  } finally {
    await killInside(dir);
    for (const c of children) if (c.dir === dir) c.kill();
  }
}

// ---- the three tools ---------------------------------------------------------------------------

/** unibox: a stack definition (roles with port and an HTTP health check), booted on a fresh prefix. */
function uniboxTool() {
  const base = 41000;
  return {
    name: "unibox",
    short: "unibox",
    stopHow: "stop = `down --reset`",
    ports: () => portsOf(base, (s) => s * 10),
    setup(dir) {
      const root = join(dir, "stack");
      const prefix = join(dir, "prefix");
      mkdirSync(prefix);
      write(root, "image/image.yaml", "base: host\nrepos: []\n");
      write(root, "envdirs/common/LOG_LEVEL", "info\n");
      SERVICES.forEach(([name, replicas], s) => {
        const command = JSON.stringify(`${node} ${join(dir, "server.js")}`);
        write(root, `roles/${name}.yaml`, `command: ${command}\nreplicas: ${replicas}\nport: ${base + s * 10}\nhealth: { http: / }\nmodes: [review, production]\n`);
      });
      write(root, "tags-review.json", JSON.stringify({ "unibox:mode": "review", "unibox:box": "bench" }));
      return {
        start: { cmd: node, args: [unibox, "boot", "--prefix", prefix, "--root", root, "--tags-file", join(root, "tags-review.json"), "--status-port", "0"], cwd: dir },
        stop: { cmd: node, args: [unibox, "down", "--reset", "--prefix", prefix], cwd: dir },
      };
    },
  };
}

/** foreman: a Procfile, `-m` for the replicas, `-p` for the base port (PORT = base + 100 × type + replica). */
function foremanTool() {
  const base = 42000;
  return {
    name: "foreman",
    short: "foreman",
    stopHow: "stop = TERM to foreman",
    ports: () => portsOf(base, (s) => s * 100),
    setup(dir) {
      write(dir, "Procfile", SERVICES.map(([name]) => `${name}: ${node} ${join(dir, "server.js")}\n`).join(""));
      // An empty .env: foreman reads one from the app dir; nothing of the caller's leaks in from a stray one.
      write(dir, ".env", "");
      const formation = SERVICES.map(([name, r]) => `${name}=${r}`).join(",");
      return {
        start: { cmd: "foreman", args: ["start", "-f", join(dir, "Procfile"), "-d", dir, "-m", formation, "-p", String(base)], cwd: dir },
        stop: { signal: "SIGTERM" },
      };
    },
  };
}

/** supervisord: one [program] per instance, in the foreground, its socket, pid file and logs in the run dir. */
function supervisordTool() {
  const base = 43000;
  return {
    name: "supervisord",
    short: "supervisord",
    stopHow: "stop = TERM to supervisord",
    ports: () => portsOf(base, (s) => s * 10),
    setup(dir) {
      const logs = join(dir, "log");
      mkdirSync(logs);
      const lines = [
        "[supervisord]",
        "nodaemon=true",
        `logfile=${join(dir, "supervisord.log")}`,
        `pidfile=${join(dir, "supervisord.pid")}`,
        `childlogdir=${logs}`,
        "",
        "[unix_http_server]",
        `file=${join(dir, "supervisor.sock")}`,
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        `serverurl=unix://${join(dir, "supervisor.sock")}`,
      ];
      SERVICES.forEach(([name, replicas], s) => {
        for (let r = 0; r < replicas; r++) {
          lines.push(
            "",
            `[program:${name}-${r}]`,
            `command=${node} ${join(dir, "server.js")}`,
            `directory=${dir}`,
            `environment=PORT="${base + s * 10 + r}"`,
            "autostart=true",
            "autorestart=true",
            `stdout_logfile=${join(logs, `${name}-${r}.log`)}`,
            "redirect_stderr=true",
          );
        }
      });
      write(dir, "supervisord.conf", `${lines.join("\n")}\n`);
      return {
        start: { cmd: "supervisord", args: ["-n", "-c", join(dir, "supervisord.conf")], cwd: dir },
        stop: { signal: "SIGTERM" },
      };
    },
  };
}

function portsOf(base, offset) {
  const ports = [];
  SERVICES.forEach(([, replicas], s) => {
    for (let r = 0; r < replicas; r++) ports.push(base + offset(s) + r);
  });
  return ports;
}

function write(root, rel, text) {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

// ---- installing the peers ----------------------------------------------------------------------

const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/** foreman and supervisord from Debian, when either is missing (through sudo when not root). */
function ensureTools() {
  if (has("foreman") && has("supervisord")) return;
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const apt = (...args) => {
    const argv = [...sudo, "apt-get", ...args];
    console.error(`bench/peers: foreman or supervisord missing; running ${argv.join(" ")}`);
    // apt's output goes to stderr: stdout is for the rows.
    return spawnSync(argv[0], argv.slice(1), { stdio: ["ignore", 2, 2], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status;
  };
  // Stale package lists: update once, then try again.
  if (apt("install", "-y", "ruby-foreman", "supervisor") !== 0 && (apt("update") !== 0 || apt("install", "-y", "ruby-foreman", "supervisor") !== 0)) {
    throw new Error("bench/peers: apt-get install ruby-foreman supervisor failed (see above)");
  }
  if (!has("foreman") || !has("supervisord")) throw new Error("bench/peers: foreman or supervisord still missing after apt-get install");
}

// ---- processes ---------------------------------------------------------------------------------

/** Spawns a tool in its own process group (so a stray terminal signal reaches it alone); tracks its exit. */
function launch(name, cmd, args, cwd) {
  const t0 = now();
  const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stderr = "";
  let exited;
  child.stdout.resume();
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const handle = {
    dir: cwd,
    pid: child.pid,
    exit: new Promise((resolve) => {
      child.once("error", (err) => resolve({ code: null, signal: err.message, ms: now() - t0, at: now() }));
      child.once("exit", (code, signal) => resolve({ code, signal, ms: now() - t0, at: now() }));
    }),
    exited: () => exited,
    stderr: () => stderr,
    // An exit before the instances answer is a failure for a supervisor; boot exits early by design.
    failed: () => exited && (exited.code !== 0 || name !== "unibox") && `${name} exited ${exited.code ?? exited.signal} before every instance answered: ${stderr}`,
    kill: () => {
      if (exited) return;
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    },
  };
  handle.exit.then((e) => {
    exited = e;
    children.delete(handle);
  });
  children.add(handle);
  return handle;
}

/** GET / on 127.0.0.1:port; resolves with the status code, or undefined when nothing answers. */
function probe(port) {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(undefined));
  });
}

async function answeringPorts(ports) {
  const codes = await Promise.all(ports.map(probe));
  return ports.filter((_, i) => codes[i] !== undefined);
}

/** Polls every port not yet answered every POLL_MS ms; returns ms from t0 to the last port's first 200. */
async function untilAllAnswer(ports, t0, failed) {
  const pending = new Set(ports);
  let last = 0;
  for (;;) {
    const tick = now();
    await Promise.all(
      [...pending].map(async (port) => {
        if ((await probe(port)) === 200) {
          last = Math.max(last, now() - t0);
          pending.delete(port);
        }
      }),
    );
    if (pending.size === 0) return last;
    const why = failed();
    if (why) throw new Error(why);
    if (now() - t0 > START_TIMEOUT_MS) throw new Error(`ports ${[...pending].join(" ")} not answering 200 after ${START_TIMEOUT_MS} ms`);
    await sleep(Math.max(0, POLL_MS - (now() - tick)));
  }
}

/**
 * Until `proc` has exited and no port answers, polled every POLL_MS ms: ms from t0 to then, to the
 * tool's exit, and to the first poll since which no port answered.
 */
async function untilStopped(proc, ports, t0) {
  let closedAt;
  for (;;) {
    const tick = now();
    const open = (await answeringPorts(ports)).length;
    if (open > 0) closedAt = undefined;
    else closedAt ??= now();
    const e = proc.exited();
    if (e && open === 0) return { ms: now() - t0, exitMs: e.at - t0, closedMs: closedAt - t0 };
    if (now() - t0 > STOP_TIMEOUT_MS) throw new Error(`not stopped after ${STOP_TIMEOUT_MS} ms (tool exited: ${!!proc.exited()})`);
    await sleep(Math.max(0, POLL_MS - (now() - tick)));
  }
}

/** Live processes (not zombies, not this one) whose cwd or an argument lies inside `dir`. */
function inside(dir) {
  const out = [];
  const within = (p) => p === dir || p.startsWith(`${dir}/`) || p.includes(`${dir}/`);
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") continue;
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
      let cwd = "";
      try {
        cwd = readlinkSync(`/proc/${name}/cwd`);
      } catch {
        // not ours to read, or gone
      }
      if (within(cwd) || argv.some(within)) out.push({ pid: Number(name), argv });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** KILLs, by pid, every process inside `dir` until none is left (children reparented meanwhile included). */
async function killInside(dir) {
  for (let i = 0; i < 100; i++) {
    const left = inside(dir);
    if (left.length === 0) return;
    for (const p of left) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    await sleep(20);
  }
  throw new Error(`processes inside ${dir} survive SIGKILL: ${inside(dir).map((p) => p.pid).join(" ")}`);
}

/** Every tool still running and everything inside the run dirs killed by pid; the run dirs removed. */
async function cleanupAll() {
  for (const c of [...children]) c.kill();
  for (const dir of runDirs) {
    await killInside(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  runDirs.clear();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchPeers()) console.log(`${r.ms.toFixed(0).padStart(7)} ms  ${r.name}${r.note ? `  (${r.note})` : ""}`);
}
