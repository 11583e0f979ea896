// Rolling restart: replicas one at a time, each healthy again before the next goes down.
import { rmSync } from "node:fs";
import { RuntimeFailure, UnhealthyError, UsageError } from "../errors.js";
import { closest } from "../shared/suggest.js";
import { acquireBootLock } from "./boot-lock.js";
import { openBox, requireSavedPlan } from "./box.js";
import { logTail } from "./health.js";
import { readStat, sv } from "./sv.js";
import { waitHealthy } from "./wait-healthy.js";

/** Restarts the instances of `target` (a service, `service.component` or an instance; default all). */
export async function restart(request: { prefix: string; target?: string }): Promise<{ restarted: string[]; seconds: number }> {
  const box = openBox(request.prefix);
  const saved = requireSavedPlan(box);
  const { paths } = box;
  const all = saved.plan.instances;
  const target = request.target;
  const chosen = target === undefined ? all : all.filter((i) => i.service === target || `${i.service}.${i.component}` === target || i.name === target);
  if (chosen.length === 0) {
    const names = [...new Set(all.flatMap((i) => [i.service, `${i.service}.${i.component}`]))];
    const guess = closest(target!, names);
    throw new UsageError(`nothing to restart: no service or component "${target}" on this box${guess ? ` (did you mean "${guess}"?)` : ""}`);
  }
  const started = Date.now();
  const restarted: string[] = [];
  // Not while a boot or a down is changing the box.
  const release = await acquireBootLock(paths);
  try {
    for (const instance of chosen) {
      const waitSecs = instance.stop.graceMs / 1000 + (instance.health?.timeoutMs ?? 0) / 1000 + 60;
      const dir = paths.sv(instance.name);
      if (instance.once) {
        // A one-shot runs again: its old result goes first (what needs it waits for the new one), a run in
        // progress is stopped, and `up` starts it; its `run` asks runsv again not to restart it when it exits.
        // `sv restart` would wait for it to be up, which a finished one-shot never stays.
        rmSync(`${dir}/.once-result`, { force: true });
        if (readStat(dir) !== "down") await sv("term", [dir]);
        await sv("up", [dir]);
      } else {
        await sv("restart", [dir], waitSecs);
      }
      // A one-shot may run long (a migration): it gets an hour, and fails at once when it fails.
      const [h] = await waitHealthy(paths, [instance.name], instance.once ? 3_600_000 : waitSecs * 1000);
      if (h?.state === "failed") {
        throw new RuntimeFailure(`one-shot ${instance.name} failed again (exit ${h.lastExit?.code ?? "?"}); stopped the restart there`, {
          details: [`log ${paths.log(instance.name)}/current:`, ...logTail(paths, instance.name, 10).map((l) => `  ${l}`), `restarted: ${restarted.join(", ") || "none"}`],
        });
      }
      if (!h?.healthy) {
        throw new UnhealthyError(`${instance.name} is not healthy after its restart; stopped the rolling restart there`, {
          details: [`restarted: ${restarted.join(", ") || "none"}`, `not restarted: ${chosen.slice(restarted.length + 1).map((i) => i.name).join(", ") || "none"}`],
        });
      }
      restarted.push(instance.name);
    }
  } finally {
    release();
  }
  return { restarted, seconds: (Date.now() - started) / 1000 };
}
