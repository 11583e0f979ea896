// `unibox env INSTANCE`: the environment one instance gets, each variable with the layer that set it.
import { UsageError } from "../errors.js";
import { resolveEnv } from "../plan/env.js";
import { loadPlan, type PlanRequest } from "../plan/load-plan.js";
import { openBox } from "../runtime/box.js";
import { closest } from "../shared/suggest.js";
import { boxLayout } from "./box-layout.js";
import { table, type CommandResult } from "./result.js";

export async function envCommand(options: PlanRequest & { prefix: string; instance: string }): Promise<CommandResult> {
  const { plan } = await loadPlan(options, boxLayout(openBox(options.prefix)));
  const names = plan.instances.map((i) => i.name);
  const instance = plan.instances.find((i) => i.name === options.instance);
  if (!instance) {
    const guess = closest(options.instance, names);
    throw new UsageError(`no instance "${options.instance}" on this box${guess ? ` (did you mean "${guess}"?)` : ""}`, {
      details: [`instances here: ${names.join(", ") || "none"}`],
    });
  }
  const env = resolveEnv(plan, instance);
  const rows = [["NAME", "LAYER", "VALUE"], ...Object.entries(env).map(([k, v]) => [k, v.layer, v.value])];
  return { json: { instance: instance.name, env }, text: table(rows) };
}
