// Each instance of a box: state, pid, uptime, health, last exit. Works from the saved plan, or, when that
// is missing or corrupt, from the service directories themselves.
import { RuntimeFailure } from "../errors.js";
import { openBox, supervisedRecords } from "./box.js";
import { instancesHealth, publicState } from "./health.js";
import { STATUS_INSTANCE } from "./status-instance.js";

export interface InstanceStatus {
  name: string;
  state: ReturnType<typeof publicState>;
  pid: number | null;
  uptimeSeconds: number | null;
  healthy: boolean;
  /** A one-shot: its state is "done" (exit 0, healthy) or "failed" (see lastExit) once it ran in this start of the box. */
  once: boolean;
  wantDown: boolean;
  lastExit: { at: string; code: number; signal: number } | null;
  crashes: number;
  port: number | null;
}

export interface BoxStatus {
  prefix: string;
  mode: string | null;
  box: { name: string } | null;
  instances: InstanceStatus[];
  statusService: { url: string; state: string; pid: number | null; healthy: boolean } | null;
  /** Set when the saved plan could not be used. */
  note?: string;
}

export async function boxStatus(prefix: string): Promise<BoxStatus> {
  const box = openBox(prefix);
  const { paths, saved } = box;
  const names = saved ? saved.plan.instances.map((i) => i.name) : supervisedRecords(paths).map((r) => r.name).filter((n) => n !== STATUS_INSTANCE);
  if (!saved && names.length === 0) {
    throw new RuntimeFailure(`nothing booted under ${paths.prefix}: ${box.problem}`);
  }
  const health = await instancesHealth(paths, names);
  const instances = health.map((h) => ({
    name: h.name,
    state: publicState(h.state),
    pid: h.pid ?? null,
    uptimeSeconds: h.uptimeSeconds ?? null,
    healthy: h.healthy,
    once: h.once,
    wantDown: h.wantDown,
    lastExit: h.lastExit ?? null,
    crashes: h.crashes,
    port: saved?.plan.instances.find((i) => i.name === h.name)?.port ?? null,
  }));
  // The box's own health endpoint, reported apart from the stack's instances.
  const [service] = saved?.statusUrl ? await instancesHealth(paths, [STATUS_INSTANCE]) : [];
  return {
    prefix: paths.prefix,
    mode: saved?.plan.mode ?? null,
    box: saved ? saved.plan.box : null,
    instances,
    statusService: service && saved?.statusUrl ? { url: saved.statusUrl, state: publicState(service.state), pid: service.pid ?? null, healthy: service.healthy } : null,
    note: saved ? undefined : `${box.problem}; showing what the service directories name`,
  };
}
