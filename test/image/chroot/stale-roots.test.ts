// The chroot helper's promise that a crashed image test leaves nothing behind for long: the next run's setup
// stops what still runs in a dead run's root, unmounts it and removes it, and touches nothing that is not its own.
import { execa } from "execa";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isAlive } from "../../../src/runtime/processes.js";
import { pollUntil } from "../../../src/shared/poll.js";
import { cleanStaleRoots, markRun, mountsUnder, processesRootedIn } from "../../helpers/chroot.js";

// A root that runs the host's own programs: /usr bound READ-ONLY, so even a teardown gone wrong could delete nothing.
async function tinyRoot(dir: string): Promise<string> {
  const root = join(dir, "root");
  mkdirSync(join(root, "usr"), { recursive: true });
  for (const link of ["bin", "lib", "lib64"]) symlinkSync(`usr/${link}`, join(root, link));
  await execa("mount", ["--bind", "/usr", join(root, "usr")]);
  await execa("mount", ["-o", "remount,bind,ro", join(root, "usr")]);
  return root;
}

describe("cleanStaleRoots", () => {
  let base: string | undefined;
  const started: number[] = [];

  afterEach(async () => {
    for (const pid of started.splice(0)) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    if (!base) return;
    for (const point of mountsUnder(base)) await execa("umount", ["-l", point], { reject: false });
    await execa("rm", ["-rf", "--one-file-system", base], { reject: false });
    base = undefined;
  });

  it("stops what runs in a dead run's root, unmounts it and removes it, and leaves a live run and foreign folders alone", async () => {
    if (process.getuid?.() !== 0) throw new Error(`needs root (mount, chroot); running as uid ${process.getuid?.()}`);
    base = mkdtempSync("/var/tmp/unibox-stale-roots-test-");

    // A run whose process died (SIGKILL: no teardown), leaving a daemon in its root and a mount.
    const crashed = join(base, "run-crashed");
    mkdirSync(crashed);
    const crashedRoot = await tinyRoot(crashed);
    const gone = execa("true");
    await gone;
    markRun(crashed, gone.pid!);
    const daemon = execa("/usr/sbin/chroot", [crashedRoot, "/usr/bin/sleep", "600"], { detached: true, stdio: "ignore", reject: false });
    started.push(daemon.pid!);
    expect(await pollUntil(() => processesRootedIn(crashedRoot).includes(daemon.pid!), 5_000)).toBe(true);

    // This process's own run, and a folder with no marker: neither is the cleaner's to touch.
    const live = join(base, "run-live");
    mkdirSync(live);
    const liveRoot = await tinyRoot(live);
    markRun(live);
    const foreign = join(base, "run-foreign");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "keep"), "not ours");

    expect(await cleanStaleRoots(base)).toEqual([crashed]);

    expect(existsSync(crashed)).toBe(false);
    expect(isAlive(daemon.pid!)).toBe(false);
    expect(mountsUnder(base)).toEqual([join(liveRoot, "usr")]);
    expect(existsSync(join(foreign, "keep"))).toBe(true);
    expect(existsSync(join(liveRoot, "usr/bin/sleep"))).toBe(true);
  });
});
