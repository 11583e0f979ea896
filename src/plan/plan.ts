// Tags + stack + box facts -> the instances this box runs: pure data, no I/O.
import { UsageError } from "../errors.js";
import type { Identity } from "../identity/tags.js";
import { scopeChain } from "../stack/envdirs/scopes.js";
import { contextMap, type TemplateContext } from "../stack/envdirs/template.js";
import type { Mode } from "../stack/names.js";
import type { EnvEntry, Health, Stack, Stop } from "../stack/types.js";
import { startOrder } from "./order.js";
import { replicaCount } from "./replicas.js";

/** Facts about the machine that are not in the tags. */
export interface BoxFacts {
  instanceId: string;
  privateIp: string;
  cpus: number;
  /** Added to every port: review boxes side by side on one machine each get their own range. */
  portOffset: number;
  /** Booted from a baked image (roles without `user:` run as the image's service user) or straight from a stack definition. */
  source: "image" | "stack";
  /** Who runs `unibox`: the user of roles without `user:` when booting from a stack definition. */
  invokingUser: string;
  /** Where baked checkouts live on an image box: `<prefix>/opt/unibox/apps`. */
  appsDir?: string;
  /** `<prefix>/var/lib/unibox`: each service's state directory is under it. */
  stateRoot?: string;
  /** An image box's runtimes, `<prefix>/opt/unibox/runtimes/<name>/bin`: first on every instance's PATH. */
  runtimeBins?: string[];
  /** `--env-dir`: the box's own layer, innermost of the files (before the generated variables); named by its path. */
  boxEnv?: PlannedScope;
}

export interface PlannedInstance {
  /** `<service>.<component>.<replica>` */
  name: string;
  service: string;
  component: string;
  replica: number;
  port?: number;
  user: string;
  command: string;
  /** Working directory: the repo checkout, or the stack root for roles without a repo. */
  cwd: string;
  repo?: string;
  /** Data that lives as long as the box (UNIBOX_STATE_DIR), e.g. a review box's database files. */
  stateDir: string;
  /** Env scopes that exist for this instance, outermost first; the generated layer is last and implicit. */
  envLayers: string[];
  /** Services on this box this instance waits for. */
  needs: string[];
  health?: Health;
  stop: Stop;
  /** A one-shot: runs to completion on every start of its supervisor, before the role's other instances and its dependents. */
  once?: true;
  /** Replica 0 of the box's entry component: the box's URL (its port) and, by its log, its last activity. */
  entry?: true;
}

/** One env scope the plan's instances read: where its files are, so boot needs nothing but the plan. */
export interface PlannedScope {
  name: string;
  entries: EnvEntry[];
}

export interface Plan {
  mode: Mode;
  /** The stack definition the plan came from (absolute). */
  root: string;
  box: TemplateContext["box"];
  cpus: number;
  portOffset: number;
  /** In start order. */
  instances: PlannedInstance[];
  /** What `.hbs` env files are rendered with. */
  templateContext: TemplateContext;
  /** Every env scope some instance reads, in name order. */
  envScopes: PlannedScope[];
  /** An image box's PATH: its runtimes first, then the system's; the outermost layer, so an env layer may replace it. */
  runtimePath?: string;
}

/** What follows an image's runtimes on PATH: Debian's default for root and services. */
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The plan for a box with this identity. */
export function buildPlan(stack: Stack, identity: Identity, facts: BoxFacts): Plan {
  const mode = identity.mode;
  const onBox = [...stack.roles.values()].filter((r) => (mode === "review" ? r.modes.includes("review") : r.name === identity.service));
  const serviceNames = new Set(onBox.map((r) => r.name));
  const instances: PlannedInstance[] = [];
  // Maps that inherit nothing: a service or component may be named `constructor`.
  const ports: TemplateContext["ports"] = contextMap();
  const replicas: TemplateContext["replicas"] = contextMap();
  for (const role of startOrder(onBox)) {
    const repo = role.repo ? stack.image.repos.find((r) => r.name === role.repo) : undefined;
    const cwd = repo ? (facts.source === "image" ? `${facts.appsDir}/${repo.name}` : (repo.localPath ?? stack.root)) : stack.root;
    const user = role.user ?? (facts.source === "image" ? stack.image.serviceUser : facts.invokingUser);
    // A role's one-shots first, in declaration order: they run before its long-running components.
    for (const component of [...role.components.filter((c) => c.once), ...role.components.filter((c) => !c.once)]) {
      if (identity.component !== undefined && component.name !== identity.component) continue;
      const count = replicaCount(component.replicas[mode], facts.cpus);
      if (count > 0 && component.port !== undefined) (ports[role.name] ??= contextMap())[component.name] = component.port + facts.portOffset;
      const envLayers = [...scopeChain(mode, role.name, component.name).filter((s) => stack.envScopes.has(s)), ...(facts.boxEnv ? [facts.boxEnv.name] : [])];
      for (let replica = 0; replica < count; replica++) {
        const port = component.port === undefined ? undefined : component.port + facts.portOffset + replica;
        if (port !== undefined && port > 65535) {
          throw new UsageError(`${role.name}.${component.name}.${replica} would listen on ${port} (port ${component.port} + port offset ${facts.portOffset} + replica ${replica}), past 65535; lower --port-offset`);
        }
        ((replicas[role.name] ??= contextMap())[component.name] ??= []).push({ name: `${role.name}.${component.name}.${replica}`, replica, port });
        instances.push({
          name: `${role.name}.${component.name}.${replica}`,
          service: role.name,
          component: component.name,
          replica,
          port,
          user,
          command: component.command,
          cwd,
          repo: repo?.name,
          stateDir: `${facts.stateRoot ?? "/var/lib/unibox"}/${role.name}`,
          envLayers,
          needs: role.needs.filter((n) => serviceNames.has(n)),
          health: component.health,
          stop: component.stop,
          ...(component.once ? { once: true as const } : {}),
          ...(component.entry && replica === 0 ? { entry: true as const } : {}),
        });
      }
    }
  }
  const box = { mode, name: identity.box ?? facts.instanceId, instanceId: facts.instanceId, privateIp: facts.privateIp };
  const used = new Set(instances.flatMap((i) => i.envLayers));
  const envScopes = [...used].sort().map((name) => (name === facts.boxEnv?.name ? facts.boxEnv : { name, entries: stack.envScopes.get(name)!.entries }));
  const runtimePath = facts.runtimeBins?.length ? [...facts.runtimeBins, SYSTEM_PATH].join(":") : undefined;
  return { mode, root: stack.root, box, cpus: facts.cpus, portOffset: facts.portOffset, instances, templateContext: { box, ports, replicas }, envScopes, ...(runtimePath ? { runtimePath } : {}) };
}
