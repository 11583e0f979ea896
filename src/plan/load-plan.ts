// Stack + tags + facts -> plan, as every command that plans a box needs it.
import { availableParallelism, userInfo } from "node:os";
import { readTags, type ReadTagsOptions } from "../identity/resolve.js";
import { identityFromTags, type Identity } from "../identity/tags.js";
import { loadStack } from "../stack/load.js";
import type { Stack } from "../stack/types.js";
import { buildPlan, type BoxFacts, type Plan, type PlannedScope } from "./plan.js";
import { resolve } from "node:path";
import { lstatSync } from "node:fs";
import { UsageError } from "../errors.js";
import { loadEnvDir } from "../stack/envdirs/load.js";
import { formatDiagnostic } from "../stack/diagnostic.js";
import { checkNotWritableByOthers } from "../shared/writable.js";

/** What the user asked for, typed. */
export interface PlanRequest {
  root: string;
  identity: ReadTagsOptions;
  /** vCPUs to plan per-CPU replicas for; default this machine's. */
  cpus?: number;
  portOffset: number;
  /** `--env-dir`: the box's own env layer (not baked: secrets, managed endpoints), innermost of the files. */
  envDir?: string;
}

/** Where the box keeps things, from the box handle: the plan's paths depend on it. */
export interface BoxLayout {
  /** `<prefix>/var/lib/unibox` */
  stateRoot: string;
  /** `<prefix>/opt/unibox/apps` */
  appsDir: string;
  /** Booted from a baked image (it has a manifest), or straight from a stack definition. */
  fromImage: boolean;
  /** The image's runtime bin dirs (empty when not from an image). */
  runtimeBins: string[];
}

/** Loads the stack first (exit 2 before anything else), then the tags (exit 3), then plans. */
export async function loadPlan(request: PlanRequest, layout: BoxLayout): Promise<{ stack: Stack; identity: Identity; plan: Plan; facts: BoxFacts }> {
  const stack = loadStack(request.root, { baked: layout.fromImage });
  const { tags, facts: found } = await readTags(request.identity);
  const identity = identityFromTags(tags, stack);
  const facts: BoxFacts = {
    instanceId: found.instanceId,
    privateIp: found.privateIp,
    cpus: request.cpus ?? availableParallelism(),
    portOffset: request.portOffset,
    source: layout.fromImage ? "image" : "stack",
    appsDir: layout.appsDir,
    stateRoot: layout.stateRoot,
    runtimeBins: layout.runtimeBins,
    invokingUser: userInfo().username,
    ...(request.envDir ? { boxEnv: loadBoxEnv(request.envDir) } : {}),
  };
  return { stack, identity, plan: buildPlan(stack, identity, facts), facts };
}

/**
 * The `--env-dir` layer. Root reads it at boot and hands it to services, so, like the image, it must be changeable
 * only by this user or root: no one else may write it or a directory above it, and every file in it is theirs.
 */
function loadBoxEnv(dir: string): PlannedScope {
  const abs = resolve(dir);
  checkNotWritableByOthers(abs, "the --env-dir");
  const { entries, errors } = loadEnvDir(abs);
  if (!entries) throw new UsageError(`--env-dir ${abs}: ${errors.length} error(s)`, { details: errors.map(formatDiagnostic) });
  const me = process.getuid?.() ?? 0;
  for (const entry of entries) {
    const st = lstatSync(entry.path);
    if (st.isSymbolicLink() || (st.uid !== me && st.uid !== 0) || (st.mode & 0o022) !== 0) {
      throw new UsageError(`--env-dir ${abs}: ${entry.path} is ${st.isSymbolicLink() ? "a symlink" : `owned by uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}`}; root reads it for every service`, {
        details: [`Make it a regular file of yours or root's that only the owner can write: chown root ${entry.path} && chmod 600 ${entry.path}`],
      });
    }
  }
  return { name: abs, entries };
}
