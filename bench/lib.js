// Shared by the benchmarks: whole-process timing, medians, generated stacks.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("..", import.meta.url));
export const unibox = join(repoRoot, "bin/unibox.js");

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `node bin/unibox.js ...args` `runs` times; returns the median wall time in ms. Fails loudly on a non-zero exit. */
export function timeUnibox(args, runs = 5) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [unibox, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`unibox ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  }
  return median(times);
}

/** A stack of `services` services, `replicas` instances each, every one on a review box with its own port. */
export function generateStack(services, replicas, command = "sleep 100000") {
  const root = mkdtempSync(join(tmpdir(), "unibox-bench-"));
  const write = (rel, text) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  write("image/image.yaml", "base: host\nrepos: []\n");
  write("envdirs/common/LOG_LEVEL", "info\n");
  for (let s = 0; s < services; s++) {
    const name = `svc-${String(s).padStart(3, "0")}`;
    write(`roles/${name}.yaml`, `command: ${command}\nreplicas: ${replicas}\nport: ${20000 + s * replicas}\nmodes: [review, production]\n`);
    write(`envdirs/${name}/NAME`, `${name}\n`);
  }
  write("tags-review.json", JSON.stringify({ "unibox:mode": "review", "unibox:box": "bench" }));
  return root;
}
