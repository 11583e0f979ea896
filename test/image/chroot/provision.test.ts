// The provisioning script the ec2 builder runs, run FOR REAL: as root in a fresh Debian 12 root (debootstrap,
// cached between runs), under chroot, node fetched from a loopback mirror of nodejs.org/dist; then `unibox boot`
// brings the sample stack up in review mode inside that root, and a job goes round it from the host.
// `npm run test:image` (root only; minutes): vitest.image.config.ts.
import { execa } from "execa";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { treeDigest } from "../../../src/image/tree-digest.js";
import type { BuildInput } from "../../../src/image/types.js";
import { pollRounds } from "../../../src/shared/poll.js";
import { createChroot, processesRootedIn, ROOT_CA_BUNDLE, type Chroot, type ChrootRun } from "../../helpers/chroot.js";
import { startNodeMirror, type NodeMirror } from "../../helpers/node-mirror.js";
import { SAMPLE_STACK, sampleBuildInput, stageSources, withBuildSteps } from "./sample-build.js";

const CACHE = process.env.UNIBOX_TEST_CACHE ?? "/var/cache/unibox-test";
const SCRIPT = "/var/tmp/unibox-provision.sh";
const TAGS = "/var/tmp/unibox-review-tags.json";
const OFFSET = 20_000;
const ROUTER = `http://127.0.0.1:${8080 + OFFSET}`;
const HEALTH = `http://127.0.0.1:${9100 + OFFSET}/health`;
// npm inside the root trusts the CAs the host does (the root's bundle holds them): a proxy's CA on a CI machine.
const SCRIPT_ENV = { UNIBOX_ROOT: "/", npm_config_cafile: ROOT_CA_BUNDLE };
const PHASES = ["users", "packages", "runtimes", "repos", "stack", "unibox", "boot-hook", "seal"];

describe("the provisioning script in a fresh Debian 12 root (debootstrap, chroot)", () => {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  let mirror: NodeMirror | undefined;
  let chroot: Chroot | undefined;
  let input: BuildInput;
  let provision: ChrootRun | undefined;
  let booted = false;

  // The root and the mirror, or a clear reason there are none; each later test needs the one before it.
  const root = (): Chroot => {
    if (!chroot) throw new Error("no chroot: the suite's setup failed (see beforeAll's error)");
    return chroot;
  };
  const provisioned = (): ChrootRun => {
    if (!provision || provision.exitCode !== 0) throw new Error("the provisioning script did not succeed (see the first test): nothing to check");
    return provision;
  };
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    try {
      return await f();
    } finally {
      timings[name] = Math.round(performance.now() - s);
    }
  };

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error(`the chroot image test needs root (debootstrap, mount, chroot); running as uid ${process.getuid?.()}: run it as root (sudo npm run test:image)`);
    // The image carries dist/: build it from this checkout's sources first.
    await timed("npm run build", () => execa("npm", ["run", "build", "--silent"], { cwd: SAMPLE_STACK, stdin: "ignore" }));
    mirror = await timed("node mirror", () => startNodeMirror());
    chroot = await timed("fresh root", () => createChroot({ debCache: join(CACHE, "debs") }));
    input = await sampleBuildInput(mirror.url);
    await timed("stage sources", () => stageSources(chroot!.path("/var/tmp/unibox-sources"), input.recipe));
    writeFileSync(chroot.path(SCRIPT), input.provisionScript, { mode: 0o700 });
  });

  afterAll(async () => {
    try {
      // Graceful first; teardown stops whatever is left by pid anyway.
      if (chroot && booted) await timed("down --reset", () => chroot!.run("/opt/unibox/bin/unibox down --reset", { timeoutMs: 120_000 }));
    } finally {
      try {
        await timed("teardown", async () => chroot?.teardown());
      } finally {
        await mirror?.stop();
        timings.suite = Math.round(performance.now() - t0);
        console.log(`image test timings (ms): ${JSON.stringify(timings)}`);
      }
    }
  });

  it("runs every phase in the fresh root and ends with the OK marker and the build's fingerprint", async () => {
    provision = await timed("provision", () => root().run(SCRIPT, { env: SCRIPT_ENV, timeoutMs: 540_000 }));
    const output = provision.output;
    expect(provision.exitCode, tail(output)).toBe(0);
    const phases = [...output.matchAll(/^UNIBOX-BUILD-PHASE (\S+)$/gm)].map((m) => m[1]);
    expect(phases).toEqual(PHASES);
    expect(output).toMatch(new RegExp(`^UNIBOX-BUILD-OK fingerprint=${input.fingerprint} tree=sha256:[0-9a-f]{64}$`, "m"));
    expect(output).not.toMatch(/UNIBOX-BUILD-FAILED/);
  });

  it("prints the digest of /opt/unibox that treeDigest computes on the host", () => {
    const marker = /^UNIBOX-BUILD-OK fingerprint=\S+ tree=(sha256:[0-9a-f]{64})$/m.exec(provisioned().output);
    expect(treeDigest(root().path("/opt/unibox"))).toBe(marker?.[1]);
  });

  it("seals the root: the staged sources, apt's lists and the machine id are gone", async () => {
    provisioned();
    const left = await root().run("ls -A /var/tmp/unibox-sources /var/lib/apt/lists 2>&1; wc -c < /etc/machine-id");
    expect(left.output.trim().split("\n")).toEqual(["ls: cannot access '/var/tmp/unibox-sources': No such file or directory", "/var/lib/apt/lists:", "0"]);
  });

  it("writes manifest.json as the build input's manifest", () => {
    provisioned();
    expect(readFileSync(root().path("/opt/unibox/manifest.json"), "utf8")).toBe(JSON.stringify(input.manifest, null, 2));
  });

  it("bakes the api checkout at its commit with its dependencies, everything owned by root", async () => {
    provisioned();
    const committed = (await execa("git", ["-C", SAMPLE_STACK, "show", `${input.recipe.repos[0].commit}:apps/api/package.json`])).stdout;
    expect(readFileSync(root().path("/opt/unibox/apps/api/package.json"), "utf8").trimEnd()).toBe(committed.trimEnd());
    const owners = await root().run("cd /opt/unibox/apps/api && ls node_modules/pg/package.json node_modules/redis/package.json && find . \\( ! -user root -o ! -group root \\) -print | head -n 5");
    expect(owners.exitCode, owners.output).toBe(0);
    expect(owners.output.trim().split("\n")).toEqual(["node_modules/pg/package.json", "node_modules/redis/package.json"]);
  });

  it("installs node from the mirror, and it runs in the root at the mirror's version", async () => {
    provisioned();
    expect(mirror!.requests).toContain(new URL(mirror!.archiveUrl).pathname);
    const node = await root().run("/opt/unibox/runtimes/node/bin/node --version && /opt/unibox/runtimes/node/bin/node -e 'console.log(process.execPath)'");
    expect(node.exitCode, node.output).toBe(0);
    expect(node.output.trim().split("\n")).toEqual([`v${mirror!.version}`, "/opt/unibox/runtimes/node/bin/node"]);
  });

  it("creates the service users the roles name, each a system user without a login shell", async () => {
    provisioned();
    const users = await root().run("getent passwd postgres redis www-data unibox | cut -d: -f1,7");
    expect(users.exitCode, users.output).toBe(0);
    expect(users.output.trim().split("\n").sort()).toEqual(["postgres", "redis", "unibox", "www-data"].map((u) => `${u}:/usr/sbin/nologin`));
  });

  it("installs the boot hook unit, after runit's, and systemd sees it enabled", async () => {
    provisioned();
    const unit = readFileSync(root().path("/etc/systemd/system/unibox-boot.service"), "utf8");
    expect(unit).toMatch(/^ExecStart=\/opt\/unibox\/bin\/unibox boot --root \/opt\/unibox\/stack$/m);
    expect(unit).toMatch(/^After=.*\brunit\.service\b/m);
    const enabled = await root().run("systemctl is-enabled unibox-boot.service runit.service");
    expect(enabled.output.trim().split("\n")).toEqual(["enabled", "enabled"]);
  });

  it("boots the sample stack in review mode inside the root, and a job goes round nginx, api, redis, worker and postgres", async () => {
    provisioned();
    copyFileSync(join(SAMPLE_STACK, "examples/tags/review.json"), root().path(TAGS));
    booted = true;
    const boot = await timed("boot", () =>
      root().run(`/opt/unibox/bin/unibox boot --root /opt/unibox/stack --prefix / --tags-file ${TAGS} --port-offset ${OFFSET} --wait 180`, { timeoutMs: 240_000 }),
    );
    expect(boot.exitCode, tail(boot.output)).toBe(0);

    // From the host: the chroot shares its network, as a load balancer would reach the box.
    const posted = await fetch(`${ROUTER}/jobs`, { method: "POST", body: JSON.stringify({ hello: "chroot" }), signal: AbortSignal.timeout(10_000) });
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: string };
    const job = await pollRounds({ timeoutMs: 30_000, intervalMs: 100 }, async () => {
      const res = await fetch(`${ROUTER}/jobs/${id}`, { signal: AbortSignal.timeout(5_000) });
      const body = (await res.json()) as { status?: string };
      return { done: body.status === "done", value: body };
    });
    expect(job.value).toMatchObject({ id, status: "done" });
    const health = await fetch(HEALTH, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
  });

  it("takes the box down with down --reset, leaving nothing running in the root", async () => {
    if (!booted) throw new Error("the box was not booted (see the test before)");
    const down = await timed("down --reset", () => root().run("/opt/unibox/bin/unibox down --reset", { timeoutMs: 120_000 }));
    expect(down.exitCode, tail(down.output)).toBe(0);
    booted = false;
    const left = await pollRounds({ timeoutMs: 15_000, intervalMs: 200 }, () => {
      const pids = processesRootedIn(root().root);
      return { done: pids.length === 0, value: pids.map((pid) => `${pid} ${commandOf(pid)}`) };
    });
    expect(left.value).toEqual([]);
  });

  it("stops at a failing repo build step with the FAILED marker naming the phase and the step's exit code", async () => {
    provisioned();
    const failing = withBuildSteps(input, (steps) => [...steps, "npm run no-such-script"]);
    // The script's seal removed the staged sources: stage them again, as a new build would.
    await stageSources(root().path("/var/tmp/unibox-sources"), failing.recipe);
    writeFileSync(root().path("/var/tmp/unibox-provision-failing.sh"), failing.provisionScript, { mode: 0o700 });
    const run = await timed("failing repos phase", () => root().run("/var/tmp/unibox-provision-failing.sh", { env: { ...SCRIPT_ENV, UNIBOX_PHASES: "repos" }, timeoutMs: 300_000 }));
    expect(run.exitCode, tail(run.output)).not.toBe(0);
    expect(run.output).toMatch(new RegExp(`^UNIBOX-BUILD-FAILED phase=repos exit=${run.exitCode}$`, "m"));
    const log = /^UNIBOX-LOG-BEGIN$([\s\S]*?)^UNIBOX-LOG-END$/m.exec(run.output)?.[1] ?? "";
    expect(log).toContain("unibox: repo api: build step 2 of 2 failed");
    expect(log).toContain("npm run no-such-script");
    expect(run.output).not.toMatch(/UNIBOX-BUILD-OK/);
  });
});

// The last lines of a long output: what an assertion message can show.
function tail(output: string, lines = 60): string {
  return output.split("\n").slice(-lines).join("\n");
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return "(gone)";
  }
}
