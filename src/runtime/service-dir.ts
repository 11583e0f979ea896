// A planned instance -> the files of its runit service directory and env layers, as data.
import { createHash } from "node:crypto";
import { mergeLayers } from "../plan/env.js";
import type { Plan, PlannedInstance } from "../plan/plan.js";
import type { DirSpec, FileSpec } from "./files.js";
import type { BoxPaths } from "./paths.js";
import { renderRunitTemplate } from "./templates.js";
import type { Tools } from "./tools.js";

/** Kept in `<sv>/.applied` beside the fingerprint: what `down` needs to stop an instance when the saved plan is gone or corrupt. */
export interface InstanceRecord {
  name: string;
  service: string;
  needs: string[];
  graceMs: number;
  /** A one-shot (see `<sv>/once`). */
  once?: true;
  /** Its link in the directory runsvdir scans. */
  link: string;
}

/** How long a `run` waits for what it needs before exiting 99 and letting runsv retry. */
const NEEDS_WAIT_SECS = 120;

export interface InstanceFiles {
  instance: string;
  dirs: DirSpec[];
  files: FileSpec[];
  /** The instance's env directory: its layers merged (a variable no longer there is removed). */
  envDir: string;
  /** Hash of every file and dir spec: what `.applied` records. */
  fingerprint: string;
  record: InstanceRecord;
}

/** Who the instance runs as: `-u` is only passed when it differs from the supervisor's user. */
export interface RunAs {
  /** For `chpst -u`, or undefined to stay the supervisor's user. */
  chpstUser?: string;
  /** Owner of the state dir, when running as root. */
  owner?: { uid: number; gid: number };
}

/** Every file boot writes for `instance`, from the plan alone. Reads the env files the plan names; writes nothing. */
export function instanceFiles(plan: Plan, instance: PlannedInstance, paths: BoxPaths, runAs: RunAs, tools: Tools): InstanceFiles {
  const sv = paths.sv(instance.name);
  const envDir = paths.env(instance.name);
  const dirs: DirSpec[] = [
    { path: sv, mode: 0o755 },
    { path: `${sv}/control`, mode: 0o755 },
    { path: `${sv}/log`, mode: 0o755 },
    { path: paths.log(instance.name), mode: 0o755 },
    // Root's alone: chpst reads it as root before it drops to the user, who needs no access to it.
    { path: envDir, mode: 0o700 },
    { path: instance.stateDir, mode: 0o700, owner: runAs.owner },
  ];
  // The layers are merged here, exactly as nested `chpst -e` would merge them, into one directory read by
  // one chpst that sets the environment only for the exec that follows its drop to the user. Nested, each
  // inner chpst would run as root with the outer layers' environment: an LD_PRELOAD or LD_LIBRARY_PATH
  // layer would load the user's library into root's chpst.
  const files: FileSpec[] = [];
  for (const [name, { bytes }] of mergeLayers(plan, instance)) {
    // chpst turns NUL bytes into newlines; an empty file unsets (an inherited PATH, say).
    files.push({ path: `${envDir}/${name}`, mode: 0o600, contents: bytes === undefined ? "" : Buffer.concat([bytes, Buffer.from("\n")]) });
  }

  // What `run` waits for: the long-running instances of the services it needs (healthy), and one-shots (done in
  // this start of their supervisor): those of the services it needs, and its own role's; a one-shot waits only
  // for its role's one-shots declared before it (the plan lists a role's one-shots first, in that order).
  const index = plan.instances.indexOf(instance);
  const ownOnce = plan.instances.filter((i, n) => i.service === instance.service && i.once && i !== instance && (!instance.once || n < index));
  const needed = plan.instances.filter((i) => instance.needs.includes(i.service));
  const needs = needed.filter((i) => !i.once).map((i) => paths.sv(i.name));
  const onceNeeds = [...needed.filter((i) => i.once), ...ownOnce].map((i) => paths.sv(i.name));
  const graceMs = instance.stop.graceMs;
  const health = instance.health && {
    ...instance.health,
    timeoutSecs: instance.health.timeoutMs / 1000,
    url: instance.health.kind === "http" ? `http://127.0.0.1:${instance.port}${instance.health.path}` : undefined,
    tcpScript: `exec 3<>/dev/tcp/127.0.0.1/${instance.port}`,
  };
  const data = {
    tools,
    instance: instance.name,
    cwd: instance.cwd,
    user: runAs.chpstUser,
    envDir,
    execCommand: execCommand(instance.command),
    needs,
    onceNeeds,
    waits: needs.length + onceNeeds.length > 0,
    once: instance.once === true,
    service: instance.service,
    component: instance.component,
    svDir: sv,
    needsWaitSecs: NEEDS_WAIT_SECS,
    needsPolls: NEEDS_WAIT_SECS * 5,
    health,
    stop: { ...instance.stop, graceSecs: graceMs / 1000, graceMs },
    logDir: paths.log(instance.name),
  };
  files.push({ path: `${sv}/run`, mode: 0o755, contents: renderRunitTemplate("run", data) });
  files.push({ path: `${sv}/finish`, mode: 0o755, contents: renderRunitTemplate("finish", data) });
  files.push({ path: `${sv}/control/t`, mode: 0o755, contents: renderRunitTemplate("control-t", data) });
  files.push({ path: `${sv}/log/run`, mode: 0o755, contents: renderRunitTemplate("log-run", data) });
  if (health || instance.once) files.push({ path: `${sv}/check`, mode: 0o755, contents: renderRunitTemplate("check", data) });
  // What tells status, health and boot that this instance is a one-shot; runsv does not read it.
  if (instance.once) files.push({ path: `${sv}/once`, mode: 0o644, contents: "a one-shot: runs to completion once per start of its supervisor (result in .once-result)\n" });
  files.push({ path: `${paths.log(instance.name)}/config`, mode: 0o644, contents: "s1000000\nn10\n" });
  const record: InstanceRecord = { name: instance.name, service: instance.service, needs: instance.needs, graceMs, link: paths.link(instance.name), ...(instance.once ? { once: true as const } : {}) };

  const hash = createHash("sha256");
  for (const d of dirs) hash.update(`d ${d.path} ${d.mode} ${d.owner?.uid ?? ""}:${d.owner?.gid ?? ""}\n`);
  for (const f of files) hash.update(`f ${f.path} ${f.mode} ${f.owner?.uid ?? ""}:${f.owner?.gid ?? ""}\n`).update(f.contents).update("\n");
  hash.update(JSON.stringify(record));
  return { instance: instance.name, dirs, files, envDir, fingerprint: hash.digest("hex").slice(0, 32), record };
}

/**
 * `exec CMD` when CMD is one simple command, so the app replaces the shell and gets the signals;
 * a command line with operators or leading assignments runs as written (`exec a && b` would run only a).
 * Either way the app runs in its own process group, which the stop signals.
 */
export function execCommand(command: string): string {
  return isSimpleCommand(command) ? `exec ${command}` : command;
}

/** No operator, redirection or subshell outside quotes, no leading NAME=value, not already `exec`. */
function isSimpleCommand(command: string): boolean {
  if (/^\s*([A-Za-z_][A-Za-z0-9_]*=|exec\s)/.test(command)) return false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"') i++;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "\\") i++;
    else if (";&|()<>`\n".includes(c) || (c === "$" && command[i + 1] === "(")) return false;
  }
  return true;
}
