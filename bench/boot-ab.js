// `node bench/boot-ab.js OTHER_CHECKOUT [RUNS]`: this checkout's boot against another's (built, e.g. a
// `git worktree` of an earlier commit), run by run in turn so that the machine's drift hits both alike.
// Each run boots the 6-instance stack on a fresh prefix (no status service) and times, from spawn, when
// every instance is `run:` in supervise/stat and when the boot process exited; then `down --reset`.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateStack, median, repoRoot } from "./lib.js";

const [other, runsArg = "10"] = process.argv.slice(2);
if (!other) throw new Error("usage: node bench/boot-ab.js OTHER_CHECKOUT [RUNS]");
const trees = { this: repoRoot, other };
const root = generateStack(2, 3);
const times = { this: { all: [], exit: [] }, other: { all: [], exit: [] } };
const stat = (dir) => {
  try {
    return readFileSync(`${dir}/supervise/stat`, "utf8");
  } catch {
    return "";
  }
};
try {
  for (let i = 0; i < Number(runsArg); i++) {
    for (const [name, tree] of Object.entries(trees)) {
      const dir = mkdtempSync(join(tmpdir(), "unibox-ab-"));
      chmodSync(dir, 0o755);
      const prefix = `${dir}/box`;
      const bin = `${tree}/bin/unibox.js`;
      const t0 = performance.now();
      const child = spawn(process.execPath, [bin, "boot", "--root", root, "--prefix", prefix, "--tags-file", `${root}/tags-review.json`, "--status-port", "0"], { stdio: "ignore" });
      let exited;
      child.on("exit", () => (exited = performance.now() - t0));
      for (let polls = 0; polls < 3000; polls++) {
        let names = [];
        try {
          names = readdirSync(`${prefix}/etc/unibox/sv`);
        } catch {
          // not there yet
        }
        if (names.length === 6 && names.every((n) => stat(`${prefix}/etc/unibox/sv/${n}`).startsWith("run"))) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      times[name].all.push(performance.now() - t0);
      while (exited === undefined) await new Promise((r) => setTimeout(r, 10));
      times[name].exit.push(exited);
      spawnSync(process.execPath, [bin, "down", "--reset", "--prefix", prefix], { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
const fmt = (xs) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
for (const [name, t] of Object.entries(times)) console.log(`${name.padEnd(5)} all run: ${fmt(t.all)}; boot exited: ${fmt(t.exit)}`);
console.log(`this/other, all run: ${(median(times.this.all) / median(times.other.all)).toFixed(2)}`);
