// `unibox plan --json`, whole process: a generated 300-service stack (900 instances) and the sample stack.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { generateStack, repoRoot, row, timeUnibox } from "./lib.js";

export default function benchPlan() {
  const big = generateStack(300, 3);
  const sampleTags = join(repoRoot, "examples/tags/review.json");
  try {
    return [
      row("plan --json, 300 services / 900 instances", timeUnibox(["plan", "--json", "--root", big, "--tags-file", join(big, "tags-review.json")]), "5 runs"),
      row("plan, sample stack, review box", timeUnibox(["plan", "--root", repoRoot, "--tags-file", sampleTags]), "5 runs"),
      row("validate, sample stack", timeUnibox(["validate", "--root", repoRoot]), "5 runs"),
      row("node -e 0: the floor under every whole-process figure", timeNodeFloor(), "5 runs"),
    ];
  } finally {
    rmSync(big, { recursive: true, force: true });
  }
}

function timeNodeFloor() {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, ["-e", "0"]);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}
