// `unibox plan`: what this box would run, in start order.
import { GENERATED_LAYER } from "../plan/env.js";
import { loadPlan, type PlanRequest } from "../plan/load-plan.js";
import { openBox } from "../runtime/box.js";
import { boxLayout } from "./box-layout.js";
import { table, type CommandResult } from "./result.js";

export async function planCommand(options: PlanRequest & { prefix: string }): Promise<CommandResult> {
  const { plan, identity } = await loadPlan(options, boxLayout(openBox(options.prefix)));
  const instances = plan.instances.map((i) => ({
    name: i.name,
    service: i.service,
    component: i.component,
    replica: i.replica,
    port: i.port ?? null,
    user: i.user,
    command: i.command,
    cwd: i.cwd,
    envLayers: [...i.envLayers, GENERATED_LAYER],
    needs: i.needs,
    health: i.health ? i.health.kind : null,
    ...(i.once ? { once: true } : {}),
    ...(i.entry ? { entry: true } : {}),
  }));
  const what =
    identity.mode === "review"
      ? `review box "${plan.box.name}": every service`
      : `${identity.mode} box of ${identity.service}${identity.component ? `.${identity.component}` : " (every component)"}`;
  const rows = [["INSTANCE", "PORT", "USER", "NEEDS", "ENV LAYERS", "COMMAND"]];
  for (const i of instances) rows.push([i.name + (i.once ? " (once)" : "") + (i.entry ? " (entry)" : ""), i.port === null ? "-" : String(i.port), i.user, i.needs.join(",") || "-", i.envLayers.join(" > "), i.command]);
  return {
    json: { mode: plan.mode, box: plan.box, cpus: plan.cpus, portOffset: plan.portOffset, instances },
    text: `${what}, ${plan.cpus} vCPUs: ${instances.length} instances in start order\n\n${table(rows)}`,
  };
}
