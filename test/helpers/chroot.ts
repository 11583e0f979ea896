// A throwaway Debian 12 root for the chroot image test: extracted from the cached debootstrap tarball
// (scripts/image-test-base.sh), with the kernel file systems a provisioning script and the sample stack need,
// commands run under chroot with a clean environment, and a teardown that always leaves nothing behind:
// processes rooted in it stopped by pid, mounts undone deepest first, the directory removed.
import { execa } from "execa";
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pollUntil } from "../../src/shared/poll.js";

/** Where the test's roots live, one `run-*` directory each (override with UNIBOX_TEST_ROOTS). */
export const CHROOT_BASE = process.env.UNIBOX_TEST_ROOTS ?? "/var/tmp/unibox-image-test";

// A run directory is ours (and may be cleaned by a later run) only when it holds this marker.
const MARKER = ".unibox-image-test.json";
const BASE_SCRIPT = fileURLToPath(new URL("../../scripts/image-test-base.sh", import.meta.url));
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// Inside the root: where the host's .deb cache is bound, and the apt hook that keeps what apt downloads there.
const DEB_CACHE_INSIDE = "/var/cache/unibox-test-debs";
const KEEP_DEBS_HOOK = "/etc/apt/apt.conf.d/99unibox-image-test-keep-debs";
// Outside apt.conf.d: apt reads every file there as configuration.
const KEEP_DEBS_SCRIPT = "/etc/apt/unibox-image-test-keep-debs.sh";

/** Where the root goes and what outlives it. */
export interface ChrootOptions {
  /** Parent of the run directories (default CHROOT_BASE). */
  base?: string;
  /**
   * A host directory of .deb files that outlives the run: seeded into the root's apt archive before the script
   * runs, and every package apt downloads is kept there (even if the script runs `apt-get clean`), so the next
   * run installs without downloading.
   */
  debCache?: string;
}

/** How one command runs in the root. */
export interface ChrootRunOptions {
  /** Added to the clean environment (PATH, HOME, LANG, DEBIAN_FRONTEND). */
  env?: Record<string, string>;
  /** Kill the command after this long (default 10 min). */
  timeoutMs?: number;
}

/** What one command in the root did. */
export interface ChrootRun {
  exitCode: number;
  /** stdout and stderr interleaved, as a person would have seen them (redirect inside the command to keep one apart). */
  output: string;
  /** The host file that holds `output` (in the run directory: gone after teardown). */
  log: string;
  timedOut: boolean;
  ms: number;
}

/** A root made by createChroot: run commands in it, bind host folders into it, and always tear it down. */
export interface Chroot {
  /** The run directory: the marker and `root/`. */
  dir: string;
  /** The root's host path. */
  root: string;
  /** The host path of `inside` (an absolute path in the root). */
  path(inside: string): string;
  /** Binds host directory `hostDir` (made if missing) at `inside`; unmounted by teardown. */
  bind(hostDir: string, inside: string): Promise<void>;
  /** `chroot ROOT /bin/bash -c command` as root, env cleared to a sane PATH; never rejects on a non-zero exit. */
  run(command: string, options?: ChrootRunOptions): Promise<ChrootRun>;
  /** Stops every process rooted here, unmounts, removes the directory; safe to call twice. Throws what it could not undo. */
  teardown(): Promise<void>;
}

/** A fresh root under `base`, mounted and ready; stale roots of earlier (crashed) runs are cleaned first. */
export async function createChroot(options: ChrootOptions = {}): Promise<Chroot> {
  mkdirSync(options.base ?? CHROOT_BASE, { recursive: true, mode: 0o700 });
  // /proc/PID/root and mountinfo name resolved paths: so must we, to recognise what is ours.
  const base = realpathSync(options.base ?? CHROOT_BASE);
  await cleanStaleRoots(base);
  const dir = mkdtempSync(join(base, "run-"));
  markRun(dir);
  const root = join(dir, "root");
  let tornDown = false;
  const chroot: Chroot = {
    dir,
    root,
    path: (inside) => join(root, inside),
    run: (command, runOptions) => runIn(dir, root, command, runOptions),
    bind: async (hostDir, inside) => {
      mkdirSync(hostDir, { recursive: true, mode: 0o700 });
      await mount(["--bind", hostDir, join(root, inside)]);
    },
    teardown: async () => {
      if (tornDown) return;
      tornDown = true;
      await teardownDir(dir);
    },
  };
  try {
    const extract = await execa("bash", [BASE_SCRIPT, root], { reject: false, all: true, stdin: "ignore" });
    if (extract.exitCode !== 0) throw new Error(`scripts/image-test-base.sh ${root} exited ${extract.exitCode}, expected 0:\n${extract.all}`);
    await mountKernelFileSystems(root);
    // apt inside resolves the Debian mirror with the host's resolver (the chroot shares its network).
    writeFileSync(join(root, "etc/resolv.conf"), readFileSync("/etc/resolv.conf"));
    await trustHostCertificates(root);
    if (options.debCache) await useDebCache(root, options.debCache);
  } catch (error) {
    await chroot.teardown().catch(() => {});
    throw error;
  }
  return chroot;
}

/** The root's CA bundle, which also holds the host's own CAs (`npm_config_cafile` for npm inside, whose node trusts only its built-in roots). */
export const ROOT_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

// A machine whose egress passes a TLS-inspecting proxy trusts that proxy's CA through /usr/local/share/ca-certificates:
// the root must trust what the host does, or npm inside cannot reach the registry the host reaches.
async function trustHostCertificates(root: string): Promise<void> {
  const local = "/usr/local/share/ca-certificates";
  if (!existsSync(local) || readdirSync(local).length === 0) return;
  await execa("cp", ["-a", `${local}/.`, join(root, local)], { stdin: "ignore" });
  const update = await runIn(dirname(root), root, "update-ca-certificates");
  if (update.exitCode !== 0) throw new Error(`update-ca-certificates in ${root} exited ${update.exitCode}, expected 0:\n${update.output}`);
}

async function mountKernelFileSystems(root: string): Promise<void> {
  const at = (p: string) => join(root, p);
  await mount(["-t", "proc", "proc", at("proc")]);
  await mount(["-t", "sysfs", "-o", "ro", "sysfs", at("sys")]);
  // The host's device nodes, not its submounts: pts and shm get instances of their own below.
  await mount(["--bind", "/dev", at("dev")]);
  await mount(["-t", "devpts", "-o", "newinstance,ptmxmode=0666,mode=0620,gid=5", "devpts", at("dev/pts")]);
  // postgres needs POSIX shared memory.
  await mount(["-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "shm", at("dev/shm")]);
  await mount(["-t", "tmpfs", "-o", "mode=0755,nosuid,nodev", "run", at("run")]);
  mkdirSync(at("run/lock"), { mode: 0o1777 });
}

// Every mount is made private at once: on a host whose mounts are shared (systemd), nothing mounted in the root
// shows up elsewhere, and unmounting it touches nothing outside.
async function mount(args: string[]): Promise<void> {
  const target = args[args.length - 1];
  mkdirSync(target, { recursive: true });
  await execa("mount", args, { stdin: "ignore" });
  await execa("mount", ["--make-private", target], { stdin: "ignore" });
}

async function useDebCache(root: string, hostDir: string): Promise<void> {
  mkdirSync(hostDir, { recursive: true, mode: 0o700 });
  const archives = join(root, "var/cache/apt/archives");
  mkdirSync(archives, { recursive: true });
  for (const name of readdirSync(hostDir)) {
    if (!name.endsWith(".deb")) continue;
    try {
      linkSync(join(hostDir, name), join(archives, name));
    } catch {
      copyFileSync(join(hostDir, name), join(archives, name));
    }
  }
  await mount(["--bind", hostDir, join(root, DEB_CACHE_INSIDE)]);
  // After every dpkg run (so before any `apt-get clean`), keep each downloaded package that is not kept yet.
  writeFileSync(
    join(root, KEEP_DEBS_SCRIPT),
    `#!/bin/sh\n# Image test only: keep what apt downloaded for the next run.\nfor f in /var/cache/apt/archives/*.deb; do\n  [ -f "$f" ] && [ ! -e "${DEB_CACHE_INSIDE}/\${f##*/}" ] && cp "$f" "${DEB_CACHE_INSIDE}/"\ndone\nexit 0\n`,
    { mode: 0o755 },
  );
  writeFileSync(join(root, KEEP_DEBS_HOOK), `DPkg::Post-Invoke { "/bin/sh ${KEEP_DEBS_SCRIPT}"; };\n`);
}

// Output goes to a file, not a pipe: a daemon the command leaves running (runsvdir after `unibox boot`) keeps
// its inherited stdout open, and waiting for a pipe to close would wait for the daemon. A shell opens the file
// and execs chroot (which execs bash), so the one pid execa watches, and kills on timeout, is the command's.
async function runIn(dir: string, root: string, command: string, options: ChrootRunOptions = {}): Promise<ChrootRun> {
  const logs = join(dir, "logs");
  mkdirSync(logs, { recursive: true });
  const log = join(logs, `${String(readdirSync(logs).length).padStart(3, "0")}.log`);
  const t0 = performance.now();
  const result = await execa("/bin/sh", ["-c", 'exec >"$1" 2>&1; shift; exec /usr/sbin/chroot "$@"', "sh", log, root, "/bin/bash", "-c", command], {
    env: { PATH, HOME: "/root", LANG: "C.UTF-8", DEBIAN_FRONTEND: "noninteractive", ...options.env },
    extendEnv: false,
    cwd: "/",
    stdio: "ignore",
    reject: false,
    timeout: options.timeoutMs ?? 600_000,
    forceKillAfterDelay: 5_000,
  });
  return { exitCode: result.exitCode ?? -1, output: readFileSync(log, "utf8"), log, timedOut: result.timedOut, ms: performance.now() - t0 };
}

/** Marks `dir` as a run of this process: cleanStaleRoots removes it once this process is gone, and never before. */
export function markRun(dir: string, pid = process.pid): void {
  writeFileSync(join(dir, MARKER), JSON.stringify({ pid, startTime: startTimeOf(pid) ?? "gone", created: new Date().toISOString() }));
}

/** Removes every run directory under `base` whose marker names a process that is gone (a crashed or killed run). */
export async function cleanStaleRoots(base: string): Promise<string[]> {
  const cleaned: string[] = [];
  if (!existsSync(base)) return cleaned;
  const real = realpathSync(base);
  for (const name of readdirSync(real)) {
    const dir = join(real, name);
    let marker: { pid?: number; startTime?: string };
    try {
      marker = JSON.parse(readFileSync(join(dir, MARKER), "utf8"));
    } catch {
      continue; // not ours: no marker
    }
    // A pid alone could have been reused since: the process's start time must match too.
    if (marker.pid && startTimeOf(marker.pid) === marker.startTime) continue;
    await teardownDir(dir);
    cleaned.push(dir);
  }
  return cleaned;
}

// Each step runs whatever the one before did; the directory goes only when nothing is mounted under it anymore,
// so a failed unmount can never turn `rm` loose on the host's /dev.
async function teardownDir(dir: string): Promise<void> {
  const problems: string[] = [];
  const root = join(dir, "root");
  try {
    await stopProcessesIn(root);
  } catch (error) {
    problems.push((error as Error).message);
  }
  try {
    await unmountUnder(dir);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const left = mountsUnder(dir);
  if (left.length === 0) {
    const rm = await execa("rm", ["-rf", "--one-file-system", dir], { reject: false, all: true, stdin: "ignore" });
    if (rm.exitCode !== 0) problems.push(`rm -rf ${dir} exited ${rm.exitCode}: ${rm.all}`);
  } else {
    problems.push(`left ${dir} in place: still mounted under it: ${left.join(", ")}; unmount them (umount -l PATH), then rm -rf --one-file-system ${dir}`);
  }
  if (problems.length) throw new Error(`chroot teardown of ${dir} incomplete:\n${problems.join("\n")}`);
}

/** Live pids whose root directory is `root` or below it (what runs inside the chroot). */
export function processesRootedIn(root: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const link = readlinkSync(`/proc/${name}/root`);
      if (link !== root && !link.startsWith(`${root}/`)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") continue;
      pids.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** TERM to every process rooted in `root`, then KILL to what is still there after `graceMs`; throws if any survive. */
export async function stopProcessesIn(root: string, graceMs = 10_000): Promise<void> {
  const signalAll = (signal: NodeJS.Signals) => {
    for (const pid of processesRootedIn(root)) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile
      }
    }
  };
  if (processesRootedIn(root).length === 0) return;
  signalAll("SIGTERM");
  if (await pollUntil(() => processesRootedIn(root).length === 0, graceMs, 100)) return;
  // A supervisor may restart what TERM stopped: KILL in rounds until nothing is left.
  for (let round = 0; round < 5; round++) {
    signalAll("SIGKILL");
    if (await pollUntil(() => processesRootedIn(root).length === 0, 2_000, 50)) return;
  }
  const left = processesRootedIn(root);
  throw new Error(`processes still running in ${root} after TERM and KILL: ${left.join(", ")}`);
}

/** Mount points at or below `dir`, deepest (latest) first, from this process's mountinfo. */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" ")[4].replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return points.reverse();
}

async function unmountUnder(dir: string): Promise<void> {
  for (const point of mountsUnder(dir)) {
    const plain = await execa("umount", [point], { reject: false, all: true, stdin: "ignore" });
    // Busy as a last resort: detach it now, the kernel frees it when its last user goes.
    if (plain.exitCode !== 0) await execa("umount", ["-l", point], { reject: false, stdin: "ignore" });
  }
  const left = mountsUnder(dir);
  if (left.length) throw new Error(`could not unmount ${left.join(", ")}`);
}

// Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot, unique with its pid.
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
