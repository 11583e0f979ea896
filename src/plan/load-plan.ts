// Stack + tags + facts -> plan, as every command that plans a box needs it.
import { availableParallelism, userInfo } from "node:os";
import { readTags, type ReadTagsOptions } from "../identity/resolve.js";
import { identityFromTags, type Identity } from "../identity/tags.js";
import { loadStack } from "../stack/load.js";
import type { Stack } from "../stack/types.js";
import { buildPlan, type BoxFacts, type Plan, type PlannedScope } from "./plan.js";
import { resolve } from "node:path";
import { envFileContents } from "./env.js";
import { UsageError } from "../errors.js";
import { loadEnvDir } from "../stack/envdirs/load.js";
import { formatDiagnostic } from "../stack/diagnostic.js";
import { checkNotWritableByOthers, checkOwnedByUs } from "../shared/writable.js";
import { readOwnFile } from "../shared/read-file.js";

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
  const plan = buildPlan(stack, identity, facts);
  if (facts.boxEnv) checkBoxEnvTemplates(facts.boxEnv, plan);
  return { stack, identity, plan, facts };
}

/**
 * The `--env-dir` layer. Root reads it at boot and hands it to services, so, like the image, it must be changeable
 * only by this user or root: no one else may write it or a directory above it, and every file in it is theirs.
 */
function loadBoxEnv(dir: string): PlannedScope {
  const abs = resolve(dir);
  const fix = `Keep it where only root (or you) owns every directory on the way, e.g. /etc/unibox-box-env (chown root ${abs}; chmod 700 ${abs}).`;
  checkNotWritableByOthers(abs, "the --env-dir");
  checkOwnedByUs(abs, "the --env-dir", fix);
  const { entries, errors } = loadEnvDir(abs);
  if (!entries) throw new UsageError(`--env-dir ${abs}: ${errors.length} error(s)`, { details: errors.map(formatDiagnostic) });
  let total = 0;
  for (const entry of entries) {
    const read = readOwnFile(entry.path, entry.path, MAX_BOX_ENV_BYTES - total);
    if ("problem" in read) {
      const tooLarge = read.kind === "too large";
      throw new UsageError(`--env-dir ${abs}: ${read.problem}${tooLarge ? ` (its files may hold ${MAX_BOX_ENV_BYTES} bytes in all: every value travels in each app's environment, which exec bounds)` : "; root reads it for every service"}`, {
        details: [tooLarge ? "Keep large values in files the app reads; put their paths in the env dir." : `Make it a regular file of yours or root's, with one link, that only the owner can write: chown root ${entry.path} && chmod 600 ${entry.path}`],
      });
    }
    total += read.content.length;
  }
  // Every value travels in each app's environment, whose whole size exec bounds (ARG_MAX, 2 MiB with the
  // arguments): past this the apps would crash-loop on "argument list too long".
  if (total > MAX_BOX_ENV_BYTES) {
    throw new UsageError(`--env-dir ${abs}: its files hold ${total} bytes in all, too large for an environment exec accepts (at most ${MAX_BOX_ENV_BYTES}; ARG_MAX is 2 MiB with everything else)`, {
      details: ["Keep large values in files the app reads; put their paths in the env dir."],
    });
  }
  return { name: abs, entries };
}

/** What --env-dir may hold in all: half of Linux's default ARG_MAX, leaving the rest to the stack's layers and argv. */
const MAX_BOX_ENV_BYTES = 1 << 20;

// The env dir's templates are rendered now, with this box's facts: an unknown name is a mistake in what was
// given (exit 2), found before anything starts, as it is for envdirs/.
function checkBoxEnvTemplates(scope: PlannedScope, plan: Plan): void {
  for (const entry of scope.entries.filter((e) => e.template)) {
    try {
      envFileContents(entry, plan);
    } catch (err) {
      throw new UsageError(`--env-dir: ${(err as Error).message}`);
    }
  }
}
