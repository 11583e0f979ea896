// The environment an instance gets from its nested `chpst -e` chain, computed without running chpst.
import { readFileSync } from "node:fs";
import { renderTemplate } from "../stack/envdirs/template.js";
import type { Stack } from "../stack/types.js";
import type { Plan, PlannedInstance } from "./plan.js";

export const GENERATED_LAYER = "generated";

/** chpst's reading of one env file: undefined unsets (0 bytes); else the first line, trailing blanks trimmed, NULs as newlines. */
export function envFileValue(content: Buffer | string): string | undefined {
  const buf = typeof content === "string" ? Buffer.from(content) : content;
  if (buf.length === 0) return undefined;
  const nl = buf.indexOf(0x0a);
  const first = (nl === -1 ? buf : buf.subarray(0, nl)).toString("utf8");
  return first.replace(/[ \t]+$/, "").replace(/\0/g, "\n");
}

/** The variables the runtime generates for an instance: the innermost layer. */
export function generatedEnv(plan: Plan, instance: PlannedInstance): Record<string, string> {
  const env: Record<string, string> = {
    UNIBOX_MODE: plan.mode,
    UNIBOX_SERVICE: instance.service,
    UNIBOX_COMPONENT: instance.component,
    UNIBOX_REPLICA: String(instance.replica),
    UNIBOX_INSTANCE: instance.name,
    UNIBOX_STATE_DIR: instance.stateDir,
  };
  if (instance.port !== undefined) env.PORT = String(instance.port);
  return env;
}

/** The contents of one env file as it lands on the box: templates rendered, plain files as they are. */
export function envFileContents(entry: { path: string; template: boolean }, plan: Plan): Buffer {
  const raw = readFileSync(entry.path);
  return entry.template ? Buffer.from(renderTemplate(raw.toString("utf8"), plan.templateContext)) : raw;
}

export interface ResolvedVariable {
  value: string;
  layer: string;
}

/** Every variable the instance sees from its layers (not the inherited environment), with the layer that set it. */
export function resolveEnv(stack: Stack, plan: Plan, instance: PlannedInstance): Record<string, ResolvedVariable> {
  const env = new Map<string, ResolvedVariable>();
  for (const layer of instance.envLayers) {
    for (const entry of stack.envScopes.get(layer)!.entries) {
      const value = envFileValue(envFileContents(entry, plan));
      if (value === undefined) env.delete(entry.name);
      else env.set(entry.name, { value, layer });
    }
  }
  for (const [name, value] of Object.entries(generatedEnv(plan, instance))) env.set(name, { value, layer: GENERATED_LAYER });
  return Object.fromEntries([...env].sort(([a], [b]) => a.localeCompare(b)));
}
