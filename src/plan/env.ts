// The environment an instance gets from its nested `chpst -e` chain, computed without running chpst.
import { RuntimeFailure } from "../errors.js";
import { renderTemplate, TemplateError } from "../stack/envdirs/template.js";
import { readOwnFile, readRegularFile } from "../shared/read-file.js";
import type { EnvEntry } from "../stack/types.js";
import type { Plan, PlannedInstance } from "./plan.js";

export const GENERATED_LAYER = "generated";
/** The layer of an image box's PATH (its runtimes): outermost, so any env layer may replace it. */
export const IMAGE_LAYER = "image";

import { envFileValue, envFileValueBytes, envValueTooLong } from "../stack/envdirs/value.js";

export { envFileValue };

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

/**
 * The contents of one env file as it lands on the box: templates rendered, plain files as they are.
 * Read again at boot, after validation: a file swapped meanwhile for a FIFO or a device is refused,
 * and a value that grew past what exec allows fails here rather than crash-looping the app.
 */
export function envFileContents(entry: { name: string; path: string; template: boolean; own?: true }, plan: Plan): Buffer {
  const read = entry.own ? readOwnFile(entry.path, entry.path) : readRegularFile(entry.path, entry.path);
  if ("problem" in read) throw new RuntimeFailure(read.problem);
  let contents = read.content;
  if (entry.template) {
    try {
      contents = Buffer.from(renderTemplate(contents.toString("utf8"), plan.templateContext));
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      throw new RuntimeFailure(`${entry.path}:${err.line}:${err.col}: ${err.message}`, { cause: err });
    }
  }
  const tooLong = envValueTooLong(entry.name, envFileValueBytes(contents)?.length ?? 0);
  if (tooLong) throw new RuntimeFailure(`${entry.path}: ${tooLong}`);
  return contents;
}

/** The files of one env scope the plan names. */
export function scopeEntries(plan: Plan, scope: string): EnvEntry[] {
  const found = plan.envScopes.find((s) => s.name === scope);
  if (!found) throw new Error(`plan has no env scope "${scope}"`);
  return found.entries;
}

export interface ResolvedVariable {
  value: string;
  layer: string;
}

/**
 * The instance's layers merged as nested `chpst -e` would merge them, outermost first, the generated
 * layer last: each name's final value as chpst reads it (raw bytes of the first line, trailing blanks
 * trimmed), or `undefined` when the last layer to name it unsets it. In name order.
 */
export function mergeLayers(plan: Plan, instance: PlannedInstance): Map<string, { bytes: Buffer | undefined; layer: string }> {
  const env = new Map<string, { bytes: Buffer | undefined; layer: string }>();
  if (plan.runtimePath) env.set("PATH", { bytes: Buffer.from(plan.runtimePath), layer: IMAGE_LAYER });
  for (const layer of instance.envLayers) {
    for (const entry of scopeEntries(plan, layer)) env.set(entry.name, { bytes: envFileValueBytes(envFileContents(entry, plan)), layer });
  }
  for (const [name, value] of Object.entries(generatedEnv(plan, instance))) env.set(name, { bytes: Buffer.from(value), layer: GENERATED_LAYER });
  return new Map([...env].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Every variable the instance sees from its layers (not the inherited environment), with the layer that set it. */
export function resolveEnv(plan: Plan, instance: PlannedInstance): Record<string, ResolvedVariable> {
  const out: Record<string, ResolvedVariable> = {};
  for (const [name, { bytes, layer }] of mergeLayers(plan, instance)) {
    if (bytes !== undefined) out[name] = { value: bytes.toString("utf8").replace(/\0/g, "\n"), layer };
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
