// `unibox restart [SERVICE[.COMPONENT]]`: replicas one at a time, each healthy again before the next goes down.
import { UnhealthyError, UsageError } from "../cli/errors.js";
import type { CommandResult } from "../cli/output.js";
import { closest } from "../stack/suggest.js";
import { acquireBootLock } from "./boot-lock.js";
import { readSavedPlan } from "./box-plan.js";
import { waitHealthy } from "./boot.js";
import { boxPaths } from "./paths.js";
import { sv } from "./sv.js";

export async function restartCommand(options: { prefix: string; target?: string; timeout?: string }): Promise<CommandResult> {
  const base = boxPaths(options.prefix);
  const saved = readSavedPlan(base);
  const paths = boxPaths(options.prefix, saved.serviceDir);
  const all = saved.plan.instances;
  const target = options.target;
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
      await sv("restart", [paths.sv(instance.name)], waitSecs);
      const [h] = await waitHealthy(paths, [instance.name], waitSecs * 1000);
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
  const seconds = (Date.now() - started) / 1000;
  return { json: { restarted, seconds }, text: `restarted ${restarted.join(", ")} one at a time in ${seconds.toFixed(1)} s` };
}
