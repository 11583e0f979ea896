// `unibox image build --cleanup-orphans`: what builds killed with SIGKILL left behind, removed. Locally the
// temporary folders of dead builders; on AWS every resource tagged with a build id, older than a bound.
import { removeAbandoned } from "./targets/local/prepare.js";
import type { Store } from "./store.js";
import type { PlannedResource, TargetName } from "./types.js";

export interface OrphanResult {
  deleted: PlannedResource[];
  failed: { resource: PlannedResource; error: string }[];
}

export async function cleanupOrphans(target: TargetName, store: Store, options: { olderThanMs: number; dryRun: boolean; signal: AbortSignal; progress(m: string): void }): Promise<OrphanResult> {
  if (target === "local") {
    const dirs = await removeAbandoned(store, options.progress, options.dryRun);
    return { deleted: dirs.map((d) => ({ kind: "directory", name: d })), failed: [] };
  }
  // Image Builder builds run on EC2 too: their AMIs and instances carry the same build-id tag.
  const { EC2Client } = await import("@aws-sdk/client-ec2");
  const { cleanupOrphans: ec2Orphans } = await import("./targets/ec2/index.js");
  return ec2Orphans(new EC2Client({}), { olderThanMs: options.olderThanMs, dryRun: options.dryRun, signal: options.signal });
}
