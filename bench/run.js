// `npm run bench [suite ...] [--markdown-out FILE]`: every suite's figures (median, min and max of
// whole-process runs) printed as one markdown table at the end, in a fixed order; also written to
// FILE when asked (the README's table comes from there). Progress goes to stderr.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { arch, cpus, release, totalmem } from "node:os";
import { formatTimes, markdownTable, repoRoot } from "./lib.js";

// The order of the table. peers.js may not be there yet: it is offered only when it is.
const order = ["plan", "boot", "review", "peers", "image", "review-up"];
const present = (name) => existsSync(new URL(`./${name}.js`, import.meta.url));

const usage = `usage: node bench/run.js [${order.join("|")} ...] [--markdown-out FILE]`;
function parseArgs(argv) {
  const suites = [];
  let markdownOut;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--markdown-out") {
      markdownOut = argv[++i];
      if (!markdownOut) fail("--markdown-out needs a file");
    } else if (a.startsWith("--markdown-out=")) markdownOut = a.slice("--markdown-out=".length);
    else if (a === "--help" || a === "-h") {
      console.log(usage);
      process.exit(0);
    } else if (!order.includes(a)) fail(`unknown suite ${JSON.stringify(a)}`);
    else if (!present(a)) fail(`bench/${a}.js is not there (yet)`);
    else suites.push(a);
  }
  return { suites, markdownOut };
}

function fail(message) {
  console.error(`bench: ${message}\n${usage}`);
  process.exit(2);
}

/** One line saying where and when the figures were taken, and how to take them again. */
function provenance(suites) {
  const git = (...args) => spawnSync("git", ["-C", repoRoot, ...args], { encoding: "utf8" });
  const head = git("rev-parse", "--short", "HEAD").stdout?.trim();
  const dirty = git("status", "--porcelain", "--untracked-files=no").stdout?.trim();
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? arch()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, node ${process.version}`;
  const at = head ? ` at ${head}${dirty ? " with uncommitted changes" : ""}` : "";
  const command = `npm run bench${suites.length === order.filter(present).length ? "" : ` ${suites.join(" ")}`}`;
  return `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC${at} on ${machine}: \`${command}\`.`;
}

const args = parseArgs(process.argv.slice(2));
const suites = order.filter((s) => present(s) && (args.suites.length === 0 || args.suites.includes(s)));
const rows = [];
let failed = 0;
for (const name of suites) {
  const t0 = Date.now();
  console.error(`bench: ${name} …`);
  try {
    const { default: run } = await import(`./${name}.js`);
    const got = await run();
    rows.push(...got);
    for (const r of got) console.error(`  ${formatTimes(r)[0].padStart(9)}  ${r.name.trim()}`);
    console.error(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (error) {
    // The other suites still run and the table still prints; the exit status says it failed.
    failed++;
    console.error(`bench: ${name} failed after ${((Date.now() - t0) / 1000).toFixed(1)} s:`, error);
    rows.push({ name: `${name}: the suite failed`, ms: null, note: String(error?.message ?? error).split("\n")[0] });
  }
}

const text = `${provenance(suites)}\n\n${markdownTable(rows)}`;
console.log(`\n${text}`);
if (args.markdownOut) writeFileSync(args.markdownOut, text);
if (failed) process.exit(1);
