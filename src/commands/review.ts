// `unibox review up | ls | down | reap`: isolated review boxes, on this machine (local) or as EC2 instances.
import { UsageError } from "../errors.js";
import type { ReviewBox, ReviewTarget } from "../review/types.js";
import type { CommandResult } from "./result.js";
import { reviewTable } from "./review-format.js";
import { cancelOnSignals } from "../shared/cancel-on-signals.js";

export interface ReviewUpCommandOptions {
  root: string;
  store?: string;
  target: ReviewTarget;
  name?: string;
  image?: string;
  refs: [string, string][];
  stackRef?: string;
  ttlMs?: number;
  maxAgeMs?: number;
  waitMs: number;
  ec2: { instanceType?: string; subnetId?: string; securityGroupIds: string[]; iamInstanceProfile?: string; keyName?: string };
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

/** The longest --ttl or --max-age: beyond it no date holds the expiry (and no review box lives that long). */
const MAX_LIFETIME_MS = 3650 * 86_400_000;

export async function reviewUpCommand(options: ReviewUpCommandOptions): Promise<CommandResult> {
  for (const [flag, ms] of [["--ttl", options.ttlMs], ["--max-age", options.maxAgeMs]] as const) {
    if (ms !== undefined && ms > MAX_LIFETIME_MS) throw new UsageError(`${flag} may be at most 3650 days (ten years), found ${Math.round(ms / 86_400_000)} days`, { details: [`${flag === "--ttl" ? "--ttl 0" : "leaving --max-age out"} means no limit at all.`] });
  }
  // No prototype: a repo may be named `constructor`, and `__proto__=x` must be a repo name, not a prototype.
  const refs: Record<string, string> = Object.create(null);
  for (const [repo, ref] of options.refs) {
    if (Object.hasOwn(refs, repo) && refs[repo] !== ref) throw new UsageError(`--ref ${repo} given twice: ${refs[repo]} and ${ref}`, { details: ["Give each repo one ref."] });
    refs[repo] = ref;
  }
  let box: ReviewBox;
  if (options.target === "ec2") {
    const { ec2ReviewUpCommand } = await import("./review-ec2.js");
    box = await ec2ReviewUpCommand({ ...options, refs });
  } else {
    const { localReviewUp } = await import("../review/local/up.js");
    // Ctrl-C or SIGTERM: the half-made box is taken down and removed before the command exits.
    const { signal, release } = cancelOnSignals({ cancelling: "cancelling; taking the half-made box down", again: "still taking the half-made box down; wait for it" });
    try {
      box = await localReviewUp({ ...options, refs, statusPort: 9100, signal, progress });
    } finally {
      release();
    }
  }
  return { json: { boxes: [box] }, text: `review box ${box.name} is up and healthy: ${box.url}\n\n${reviewTable([box])}\n\nTake it down: unibox review down ${box.name}${options.target === "ec2" ? " --target ec2" : ""}` };
}

export async function reviewLsCommand(options: { root: string; store?: string; target: ReviewTarget }): Promise<CommandResult> {
  const boxes = options.target === "ec2" ? await (await import("./review-ec2.js")).ec2ReviewLsCommand() : await localBoxes(options);
  return { json: { boxes }, text: boxes.length ? reviewTable(boxes) : "no review boxes (unibox review up makes one)" };
}

export async function reviewDownCommand(options: { root: string; store?: string; target: ReviewTarget; name: string }): Promise<CommandResult> {
  if (!options.name) throw new UsageError("review down needs the box's name", { details: ["unibox review ls lists them."] });
  let boxes: ReviewBox[];
  if (options.target === "ec2") boxes = await (await import("./review-ec2.js")).ec2ReviewDownCommand(options.name);
  else {
    const { localReviewDown, localStore } = await import("../review/local/manage.js");
    boxes = [await localReviewDown(localStore(options.root, options.store), options.name)];
  }
  const what = options.target === "ec2" ? ` (${boxes.map((b) => `instance ${b.instanceId}`).join(", ")} terminated)` : ", its data and logs with it";
  return { json: { boxes }, text: `review box ${options.name} is down and removed${what}` };
}

export async function reviewReapCommand(options: { root: string; store?: string; target: ReviewTarget; dryRun: boolean }): Promise<CommandResult> {
  let result: { reaped: ReviewBox[]; kept: ReviewBox[]; failed?: { name: string; error: string }[] };
  if (options.target === "ec2") result = await (await import("./review-ec2.js")).ec2ReviewReapCommand(options.dryRun);
  else {
    const { localReviewReap, localStore } = await import("../review/local/manage.js");
    result = await localReviewReap(localStore(options.root, options.store), { dryRun: options.dryRun });
  }
  const verb = options.dryRun ? "would remove" : "removed";
  const failed = result.failed ?? [];
  return {
    json: { dryRun: options.dryRun, boxes: result.reaped, kept: result.kept, failed },
    text: [
      result.reaped.length ? `${verb} ${result.reaped.length} expired review box(es):\n\n${reviewTable(result.reaped)}` : `no review box has been removed (${result.kept.length} kept)`,
      ...failed.map((f) => `could not remove expired box ${f.name}: ${f.error}`),
    ].join("\n"),
    exitCode: failed.length ? 1 : 0,
  };
}

async function localBoxes(options: { root: string; store?: string }): Promise<ReviewBox[]> {
  const { localReviewLs, localStore } = await import("../review/local/manage.js");
  return localReviewLs(localStore(options.root, options.store));
}
