// Shared by the benchmarks: whole-process timing, medians with their spread, generated stacks, the table.
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

/** The figures of a row from its raw runs: `{ ms: median, min, max }`. */
export function spread(values) {
  if (values.length === 0) throw new Error("spread of no runs");
  return { ms: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** A row of the table from the raw runs of one figure (a single run gives min = max = ms). */
export function row(name, values, note) {
  return { name, ...spread(Array.isArray(values) ? values : [values]), ...(note ? { note } : {}) };
}

/** Runs `node bin/unibox.js ...args` `runs` times; returns the wall times in ms. Fails loudly on a non-zero exit. */
export function timeUnibox(args, runs = 5) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [unibox, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`unibox ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  }
  return times;
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

/**
 * One row's times in one unit, chosen by its median so that min, median and max read alike:
 * seconds from 10 s up, else whole ms (a tenth below 10 ms). A row without a time (ms null) shows "–".
 */
export function formatTimes({ ms, min, max }) {
  if (ms === null || ms === undefined) return ["–", "–", "–"];
  const lo = min ?? ms;
  const hi = max ?? ms;
  if (ms >= 10_000) return [ms, lo, hi].map((v) => `${(v / 1000).toFixed(v >= 100_000 ? 0 : 1)} s`);
  return [ms, lo, hi].map((v) => `${v.toFixed(ms < 10 ? 1 : 0)} ms`);
}

/** The markdown table of all rows, in the order given; a sub-figure (name led by spaces) is marked with ↳. */
export function markdownTable(rows) {
  const cell = (text) => String(text ?? "").replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
  const lines = ["| figure | median | min | max | note |", "| --- | ---: | ---: | ---: | --- |"];
  for (const r of rows) {
    const name = /^\s+/.test(r.name) ? `↳ ${r.name.trim()}` : r.name;
    const [ms, min, max] = formatTimes(r);
    lines.push(`| ${cell(name)} | ${ms} | ${min} | ${max} | ${cell(r.note)} |`);
  }
  return `${lines.join("\n")}\n`;
}
