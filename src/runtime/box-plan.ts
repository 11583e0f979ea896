// The plan a box runs, saved by boot for the commands that take no tags (status, restart, down).
import { readFileSync } from "node:fs";
import { RuntimeFailure } from "../cli/errors.js";
import type { Plan } from "../plan/plan.js";
import type { BoxPaths } from "./paths.js";

export interface SavedPlan {
  plan: Plan;
  serviceDir: string;
  root: string;
  /** The status service's health URL, when boot runs one. */
  statusUrl?: string;
}

/** The saved plan, or a failure saying nothing was booted under this prefix. */
export function readSavedPlan(paths: BoxPaths): SavedPlan {
  try {
    return JSON.parse(readFileSync(paths.planFile, "utf8")) as SavedPlan;
  } catch (err) {
    throw new RuntimeFailure(`nothing booted under ${paths.prefix}: ${paths.planFile} is missing (run unibox boot first)`, { cause: err });
  }
}

/** Groups of instances that can stop together: dependents before what they need (reverse start levels). */
export function stopLevels(plan: Plan): string[][] {
  const level = new Map<string, number>();
  const byService = new Map<string, string[]>();
  for (const i of plan.instances) byService.set(i.service, [...(byService.get(i.service) ?? []), i.name]);
  const serviceLevel = (service: string, seen: Set<string> = new Set()): number => {
    if (level.has(service)) return level.get(service)!;
    if (seen.has(service)) return 0;
    seen.add(service);
    const needs = plan.instances.find((i) => i.service === service)?.needs ?? [];
    const l = needs.length === 0 ? 0 : 1 + Math.max(...needs.map((n) => serviceLevel(n, seen)));
    level.set(service, l);
    return l;
  };
  const levels: string[][] = [];
  for (const service of byService.keys()) {
    const l = serviceLevel(service);
    (levels[l] ??= []).push(...byService.get(service)!);
  }
  return levels.filter(Boolean).reverse();
}

/** Stop groups for `down`: the status service goes with the first group (the box is going down). */
export function downLevels(plan: Plan, withStatus: boolean): string[][] {
  const [first = [], ...rest] = stopLevels(plan);
  return withStatus ? [["unibox.status", ...first], ...rest] : [first, ...rest].filter((l) => l.length > 0);
}
