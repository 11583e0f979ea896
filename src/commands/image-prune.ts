// `unibox image prune --keep N`: remove old images that nothing uses (local store, or AMIs with their snapshots).
import type { CommandResult } from "./result.js";

export async function imagePruneCommand(options: { root: string; store?: string; target: "local" | "ec2"; keep: number; dryRun: boolean; includePromoted: boolean }): Promise<CommandResult> {
  const verb = options.dryRun ? "would remove" : "removed";
  if (options.target === "ec2") return (await import("./image-prune-ec2.js")).ec2ImagePruneCommand(options);
  const { localStore } = await import("../review/local/manage.js");
  const { pruneLocal } = await import("../fleet/prune-images.js");
  const result = await pruneLocal(localStore(options.root, options.store), options);
  return {
    json: { dryRun: options.dryRun, ...result },
    text: [
      result.removed.length ? `${verb} ${result.removed.length} image(s): ${result.removed.map((r) => r.id).join(", ")}` : "nothing to remove",
      ...result.kept.map((k) => `  kept ${k.id}: ${k.reason}`),
    ].join("\n"),
  };
}
