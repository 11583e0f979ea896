// `unibox down`: stop everything gracefully, dependents first; `--reset` also removes what boot generated.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { RuntimeFailure } from "../cli/errors.js";
import type { CommandResult } from "../cli/output.js";
import { acquireBootLock } from "./boot-lock.js";
import { downLevels, readSavedPlan } from "./box-plan.js";
import { STATUS_INSTANCE } from "./status-service.js";
import { boxPaths } from "./paths.js";
import { pollUntil } from "./processes.js";
import { ownRunsvdir, stopRunsvdir, supervisedDirs } from "./runsvdir.js";
import { stopAndWait, sv } from "./sv.js";
import { writeFileAtomic } from "./writer.js";

export interface DownReport {
  prefix: string;
  stopped: string[];
  failed: string[];
  reset: boolean;
  seconds: number;
}

export async function downCommand(options: { prefix: string; reset?: boolean }): Promise<CommandResult> {
  const started = Date.now();
  const base = boxPaths(options.prefix);
  if (!existsSync(base.planFile) && options.reset) {
    // A first boot that failed or was killed before it saved its plan linked nothing, but may have
    // written service and env directories (secrets among them): they go too.
    const left = existsSync(base.svRoot) ? [...supervisedDirs(readdirSync(base.svRoot).map((n) => base.sv(n)))] : [];
    if (left.length > 0) throw new RuntimeFailure(`${base.planFile} is missing but runsv still supervises ${left.join(", ")}; stop them with sv first`);
    for (const p of [base.etc, base.stateRoot, base.runDir]) rmSync(p, { recursive: true, force: true });
    return { json: { prefix: base.prefix, stopped: [], failed: [], reset: true, seconds: 0 }, text: `nothing running under ${base.prefix}; removed what a boot left` };
  }
  const saved = readSavedPlan(base);
  const paths = boxPaths(options.prefix, saved.serviceDir);
  const release = await acquireBootLock(paths);
  const stopped: string[] = [];
  const failed: string[] = [];
  try {
    for (const level of downLevels(saved.plan, saved.statusUrl !== undefined)) {
      // A `down` file keeps an instance stopped should runsvdir restart (a reboot); boot removes it.
      for (const name of level) if (existsSync(paths.sv(name))) writeFileAtomic({ path: `${paths.sv(name)}/down`, mode: 0o644, contents: "" });
      const dirs = [...supervisedDirs(level.map((n) => paths.sv(n)))];
      const grace = Math.max(5, ...saved.plan.instances.filter((i) => level.includes(i.name)).map((i) => i.stop.graceMs / 1000));
      // control/t escalates to KILL after the grace; sv's wait covers it with a margin.
      // Hundreds of instances stopping at once share two cores: the margin grows with their number.
      const r = await stopAndWait(dirs, (grace + 5 + dirs.length / 20) * 1000);
      stopped.push(...r.stopped.map((d) => d.slice(paths.svRoot.length + 1)).filter((n) => n !== STATUS_INSTANCE));
      failed.push(...r.failed.map((d) => d.slice(paths.svRoot.length + 1)));
    }
    if (failed.length > 0 && !options.reset) throw new RuntimeFailure(`could not stop: ${failed.join(", ")}`);
    if (options.reset) {
      const svDirs = existsSync(paths.svRoot) ? readdirSync(paths.svRoot).filter((n) => !n.startsWith(".")).map((n) => paths.sv(n)) : [];
      for (const d of svDirs) rmSync(`${paths.serviceDir}/${d.slice(paths.svRoot.length + 1)}`, { force: true });
      // Only the runsvdir boot started: on a real box the system's may supervise other services too.
      const own = ownRunsvdir(paths.serviceDir, paths);
      if (own !== undefined) await stopRunsvdir(paths.serviceDir, svDirs, 30_000, [own]);
      const left = [...supervisedDirs(svDirs)];
      if (left.length > 0) {
        // Unlinked above, so the other runsvdir will not start them again.
        await sv("exit", left);
        if (!(await pollUntil(() => supervisedDirs(svDirs).size === 0, 30_000, 100))) {
          throw new RuntimeFailure(`runsv of ${left.join(", ")} did not exit; left the generated files in place`);
        }
      }
      // What boot generated; logs stay.
      for (const p of [paths.etc, paths.stateRoot, paths.runDir]) rmSync(p, { recursive: true, force: true });
      // Directories boot created under a test or review-box prefix, once empty (never the system's /etc/service).
      if (paths.prefix !== "/") {
        for (const dir of [paths.serviceDir, paths.etc, paths.stateRoot, paths.runDir]) removeEmptyParents(dir, paths.prefix);
      }
    }
  } finally {
    release();
  }
  const report: DownReport = { prefix: paths.prefix, stopped, failed, reset: Boolean(options.reset), seconds: (Date.now() - started) / 1000 };
  return {
    json: report,
    text: `stopped ${stopped.length} instances in ${report.seconds.toFixed(1)} s${options.reset ? "; removed what boot generated (logs kept in " + paths.logRoot + ")" : "; `unibox boot` starts them again"}`,
    exitCode: failed.length > 0 ? 1 : 0,
  };
}

/** Removes `dir` and its parents while they are empty, stopping at `stop`. */
function removeEmptyParents(dir: string, stop: string): void {
  for (let d = dir; d.startsWith(`${stop}/`); d = dirname(d)) {
    if (existsSync(d) && readdirSync(d).length > 0) return;
    rmSync(d, { recursive: true, force: true });
  }
}
