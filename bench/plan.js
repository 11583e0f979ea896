// `unibox plan --json`, whole process: a generated 300-service stack (900 instances) and the sample stack.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { generateStack, median, repoRoot, timeUnibox } from "./lib.js";

export default function benchPlan() {
  const big = generateStack(300, 3);
  const sampleTags = join(repoRoot, "examples/tags/review.json");
  return [
    { name: "plan --json, 300 services / 900 instances", ms: timeUnibox(["plan", "--json", "--root", big, "--tags-file", join(big, "tags-review.json")]) },
    { name: "plan, sample stack, review box", ms: timeUnibox(["plan", "--root", repoRoot, "--tags-file", sampleTags]) },
    { name: "validate, sample stack", ms: timeUnibox(["validate", "--root", repoRoot]) },
    { name: "node -e 0: the floor under every whole-process figure", ms: timeNodeFloor() },
  ];
}

function timeNodeFloor() {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, ["-e", "0"]);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}
