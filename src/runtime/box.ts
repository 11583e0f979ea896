// The box handle: a prefix, its paths, the plan its last boot saved (checked when read), and whether it
// was booted from an image. Every command that acts on a box opens it here, the one way.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { RuntimeFailure } from "../errors.js";
import type { Plan } from "../plan/plan.js";
import { boxPaths, type BoxPaths } from "./paths.js";
import type { InstanceRecord } from "./service-dir.js";
import { STATUS_INSTANCE } from "./status-instance.js";

/** Bumped whenever the saved plan's shape changes: an older file is not misread, it is reported. */
export const SAVED_PLAN_VERSION = 1;

/** What boot saves in `<P>/etc/unibox/plan.json` for the commands that take no tags. */
export interface SavedPlan {
  version: typeof SAVED_PLAN_VERSION;
  /** New with every boot: a `boot --wait` whose generation is no longer the saved one knows another boot or a reset came. */
  generation: string;
  plan: Plan;
  serviceDir: string;
  /** The status service's health URL, when boot runs one. */
  statusUrl?: string;
}

export interface Box {
  paths: BoxPaths;
  /** The saved plan, when it is there and sound. */
  saved?: SavedPlan;
  /** Why there is no saved plan (missing, unreadable, corrupt, another version). */
  problem?: string;
  /** Booted from an image: `<P>/opt/unibox/manifest.json` exists. */
  fromImage: boolean;
}

/** Opens the box under `prefix`; `serviceDir` overrides where its links go (else the saved plan's, else `<P>/etc/service`). */
export function openBox(prefix: string, serviceDir?: string): Box {
  const base = boxPaths(prefix);
  const read = readSavedPlan(base.planFile);
  const paths = serviceDir !== undefined ? boxPaths(prefix, serviceDir) : read.saved ? boxPaths(prefix, read.saved.serviceDir) : base;
  return { paths, ...read, fromImage: existsSync(`${paths.opt}/manifest.json`) };
}

/** The saved plan, or a failure saying why there is none. */
export function requireSavedPlan(box: Box): SavedPlan {
  if (box.saved) return box.saved;
  throw new RuntimeFailure(`no plan for the box under ${box.paths.prefix}: ${box.problem}`, {
    details: ["`unibox boot` writes it; `unibox down --reset` stops whatever runs there without it."],
  });
}

function readSavedPlan(file: string): { saved?: SavedPlan; problem?: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: code === "ENOENT" ? `${file} is missing (nothing booted here?)` : `cannot read ${file}: ${code ?? (err as Error).message}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `${file} is corrupt: ${(err as Error).message}` };
  }
  const problem = savedPlanProblem(value);
  return problem ? { problem: `${file} is not a plan this unibox can read: ${problem}` } : { saved: value as SavedPlan };
}

/** What is wrong with a parsed plan.json, checking what the commands rely on; undefined when sound. */
function savedPlanProblem(v: unknown): string | undefined {
  const o = v as Partial<SavedPlan> | null;
  if (o === null || typeof o !== "object" || Array.isArray(o)) return "expected a JSON object";
  if (o.version !== SAVED_PLAN_VERSION) return `version ${JSON.stringify(o.version)}, expected ${SAVED_PLAN_VERSION}`;
  if (typeof o.serviceDir !== "string" || typeof o.generation !== "string") return "serviceDir or generation missing";
  const plan = o.plan as Partial<Plan> | undefined;
  if (!plan || typeof plan.mode !== "string" || typeof plan.box?.name !== "string" || !Array.isArray(plan.instances)) return "plan, its mode, box or instances missing";
  for (const [n, i] of plan.instances.entries()) {
    const ok =
      i !== null &&
      typeof i === "object" &&
      typeof i.name === "string" &&
      typeof i.service === "string" &&
      Array.isArray(i.needs) &&
      typeof i.stop?.graceMs === "number" &&
      (i.port === undefined || typeof i.port === "number");
    if (!ok) return `instance ${n} is incomplete`;
  }
  return undefined;
}

/**
 * `<sv>/.applied`: the fingerprint of the files the instance runs with, and its record. Written by boot
 * once the instance runs with them; undefined when missing or unreadable (a boot killed before it).
 */
export function readAppliedRecord(paths: BoxPaths, name: string): (InstanceRecord & { fingerprint: string }) | undefined {
  try {
    const r = JSON.parse(readFileSync(`${paths.sv(name)}/.applied`, "utf8")) as Partial<InstanceRecord & { fingerprint: string }>;
    const ok = typeof r.fingerprint === "string" && typeof r.service === "string" && Array.isArray(r.needs) && typeof r.graceMs === "number" && typeof r.link === "string";
    return ok ? { name, fingerprint: r.fingerprint!, service: r.service!, needs: r.needs!.map(String), graceMs: r.graceMs!, link: r.link! } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The instances whose service directories exist, read from the directories themselves: what `down`
 * stops when the saved plan is gone. Without a record (a boot killed mid-write), an instance gets the
 * defaults: no needs, a 60 s grace.
 */
export function supervisedRecords(paths: BoxPaths): InstanceRecord[] {
  if (!statSync(paths.svRoot, { throwIfNoEntry: false })?.isDirectory()) return [];
  return readdirSync(paths.svRoot)
    .filter((n) => !n.startsWith("."))
    .sort()
    .map((name) => {
      const r = readAppliedRecord(paths, name);
      if (r) return { name, service: r.service, needs: r.needs, graceMs: r.graceMs, link: r.link };
      return { name, service: name === STATUS_INSTANCE ? "unibox" : name.split(".")[0], needs: [], graceMs: 60_000, link: paths.link(name) };
    });
}
