// `unibox down`: stop everything gracefully, dependents first; `--reset` also removes what boot generated.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { RuntimeFailure } from "../cli/errors.js";
import type { CommandResult } from "../cli/output.js";
import { acquireBootLock } from "./boot-lock.js";
import { readSavedPlan, stopLevels } from "./box-plan.js";
import { boxPaths } from "./paths.js";
import { findRunsvdir, stopRunsvdir, supervisedDirs } from "./runsvdir.js";
import { sv } from "./sv.js";
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
    return { json: { prefix: base.prefix, stopped: [], failed: [], reset: true, seconds: 0 }, text: `nothing booted under ${base.prefix}` };
  }
  const saved = readSavedPlan(base);
  const paths = boxPaths(options.prefix, saved.serviceDir);
  const release = acquireBootLock(paths);
  const stopped: string[] = [];
  const failed: string[] = [];
  try {
    for (const level of stopLevels(saved.plan)) {
      // A `down` file keeps an instance stopped should runsvdir restart (a reboot); boot removes it.
      for (const name of level) if (existsSync(paths.sv(name))) writeFileAtomic({ path: `${paths.sv(name)}/down`, mode: 0o644, contents: "" });
      const dirs = [...supervisedDirs(level.map((n) => paths.sv(n)))];
      const grace = Math.max(0, ...saved.plan.instances.filter((i) => level.includes(i.name)).map((i) => i.stop.graceMs / 1000));
      // control/t escalates to KILL after the grace; sv's wait covers it with a margin.
      const r = await sv("stop", dirs, grace + 5);
      for (const d of dirs) (r.code === 0 ? stopped : failed).push(d.slice(paths.svRoot.length + 1));
    }
    if (failed.length > 0 && !options.reset) throw new RuntimeFailure(`could not stop: ${failed.join(", ")}`);
    if (options.reset) {
      const svDirs = existsSync(paths.svRoot) ? readdirSync(paths.svRoot).filter((n) => !n.startsWith(".")).map((n) => paths.sv(n)) : [];
      for (const d of svDirs) rmSync(`${paths.serviceDir}/${d.slice(paths.svRoot.length + 1)}`, { force: true });
      if (findRunsvdir(paths.serviceDir).length > 0) await stopRunsvdir(paths.serviceDir, svDirs);
      else if (supervisedDirs(svDirs).size > 0) await sv("exit", svDirs);
      // What boot generated; logs stay.
      for (const p of [paths.etc, paths.stateRoot, paths.runDir]) rmSync(p, { recursive: true, force: true });
      // The scanned directory itself only when it is this prefix's own and now empty (never the system's /etc/service).
      if (paths.prefix !== "/" && paths.serviceDir.startsWith(`${paths.prefix}/`) && readdirSync(paths.serviceDir).length === 0) rmSync(paths.serviceDir, { recursive: true });
    }
  } finally {
    if (!options.reset) release();
  }
  const report: DownReport = { prefix: paths.prefix, stopped, failed, reset: Boolean(options.reset), seconds: (Date.now() - started) / 1000 };
  return {
    json: report,
    text: `stopped ${stopped.length} instances in ${report.seconds.toFixed(1)} s${options.reset ? "; removed what boot generated (logs kept in " + paths.logRoot + ")" : "; `unibox boot` starts them again"}`,
    exitCode: failed.length > 0 ? 1 : 0,
  };
}
