// `unibox env INSTANCE`: the environment one instance gets, each variable with the layer that set it.
import { UsageError } from "../cli/errors.js";
import { table, type CommandResult } from "../cli/output.js";
import { closest } from "../stack/suggest.js";
import { resolveEnv } from "./env.js";
import { loadPlan, type PlanOptions } from "./load-plan.js";

export async function envCommand(options: PlanOptions & { instance: string }): Promise<CommandResult> {
  const { stack, plan } = await loadPlan(options);
  const names = plan.instances.map((i) => i.name);
  const instance = plan.instances.find((i) => i.name === options.instance);
  if (!instance) {
    const guess = closest(options.instance, names);
    throw new UsageError(`no instance "${options.instance}" on this box${guess ? ` (did you mean "${guess}"?)` : ""}`, {
      details: [`instances here: ${names.join(", ") || "none"}`],
    });
  }
  const env = resolveEnv(stack, plan, instance);
  const rows = [["NAME", "LAYER", "VALUE"], ...Object.entries(env).map(([k, v]) => [k, v.layer, v.value])];
  return { json: { instance: instance.name, env }, text: table(rows) };
}
