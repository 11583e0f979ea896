// `unibox boot`: plan from the tags, converge the box, and with --wait return once every instance is healthy.
import { join } from "node:path";
import { RuntimeFailure, UnhealthyError, UsageError } from "../errors.js";
import { loadPlan, type PlanRequest } from "../plan/load-plan.js";
import { boot } from "../runtime/boot.js";
import { openBox, type Box } from "../runtime/box.js";
import type { Plan } from "../plan/plan.js";
import { tagsOf, type Identity } from "../identity/tags.js";
import { logTail, publicState } from "../runtime/health.js";
import { waitHealthy } from "../runtime/wait-healthy.js";
import { table, type CommandResult } from "./result.js";
import { boxLayout } from "./box-layout.js";

export interface BootCommandOptions extends PlanRequest {
  prefix: string;
  /** A local image's id: the box runs its baked tree (stack, checkouts, runtimes), linked at <P>/opt/unibox. */
  image?: string;
  /** The local image store (default `<root>/.unibox`). */
  store?: string;
  serviceDir?: string;
  /** Return once every instance is healthy; exit 4 when not within this many ms. */
  waitMs?: number;
  statusPort: number;
}

export async function bootCommand(options: BootCommandOptions): Promise<CommandResult> {
  if (options.image !== undefined) options = await fromImage(options, options.image);
  const box = openBox(options.prefix);
  let { plan, identity } = await loadPlan(options, boxLayout(box));
  if (Object.keys(identity.refs).length > 0) plan = await planWithRefs(options, box, identity);
  const report = await boot({ plan, prefix: options.prefix, serviceDir: options.serviceDir, statusPort: options.statusPort });
  let instances;
  if (options.waitMs !== undefined) {
    const { paths } = openBox(options.prefix);
    const names = [...report.added, ...report.changed, ...report.unchanged];
    instances = await waitHealthy(paths, names, options.waitMs, report.generation);
    const sick = instances.filter((i) => !i.healthy);
    const failed = instances.filter((i) => i.state === "failed");
    // A failed one-shot is final until it is fixed and run again: exit 1 at once, not 4 at the deadline.
    if (failed.length > 0) {
      throw new RuntimeFailure(`one-shot ${failed.map((i) => i.name).join(", ")} failed: what needs ${failed.length === 1 ? "it" : "them"} does not start`, {
        details: failed.flatMap((i) => [
          `${i.name}: exit ${i.lastExit?.code ?? "?"}${i.lastExit?.signal ? ` (signal ${i.lastExit.signal})` : ""}; log ${paths.log(i.name)}/current:`,
          ...logTail(paths, i.name, 10).map((l) => `  ${l}`),
          `fix it, then run it again: unibox restart ${i.name.replace(/\.\d+$/, "")} (or unibox boot)`,
        ]),
      });
    }
    if (sick.length > 0) {
      throw new UnhealthyError(`${sick.length} of ${names.length} instances not healthy after ${options.waitMs / 1000} s: ${sick.map((i) => i.name).join(", ")}`, {
        details: sick.flatMap((i) => [
          `${i.name}: ${publicState(i.state)}${i.lastExit ? `, last exit ${i.lastExit.code} (signal ${i.lastExit.signal})` : ""}${i.crashes ? `, ${i.crashes} crashes in a row` : ""}; log ${paths.log(i.name)}/current:`,
          ...logTail(paths, i.name).map((l) => `  ${l}`),
        ]),
      });
    }
  }
  const summary = `${report.mode} box under ${report.prefix}: ${report.added.length} added, ${report.changed.length} restarted, ${report.removed.length} removed, ${report.unchanged.length} unchanged${report.replaced.length ? `, ${report.replaced.length} replaced (left by a broken box: ${report.replaced.join(", ")})` : ""}; runsvdir ${report.runsvdir.pid}${report.runsvdir.started ? " (started)" : ""}`;
  const rows = instances ? [["INSTANCE", "STATE", "PID", "HEALTHY"], ...instances.map((i) => [i.name, publicState(i.state), String(i.pid ?? "-"), i.healthy ? "yes" : "no"])] : [];
  return { json: { ...report, instances }, text: rows.length ? `${summary}\n\n${table(rows)}` : summary };
}

/**
 * A review box whose tags name refs (`unibox:ref.<repo>`, how `review up --target ec2 --ref` reaches the instance)
 * runs those repos at those refs: built at boot through the box's own cache, the rest as baked, then planned again
 * from the derived tree (with the tags already read: instance metadata is not asked twice).
 */
async function planWithRefs(options: BootCommandOptions, box: Box, identity: Identity): Promise<Plan> {
  if (!box.fromImage) {
    throw new UsageError(`unibox:ref.* tags (${Object.entries(identity.refs).map(([r, ref]) => `${r}=${ref}`).join(", ")}) need a box booted from an image`, {
      details: ["On a development boot, check the ref out in the repo's working tree instead."],
    });
  }
  const { applyRefs } = await import("../review/apply-refs.js");
  const applied = await applyRefs({ opt: box.paths.opt, stateRoot: box.paths.stateRoot, refs: identity.refs, signal: new AbortController().signal, note: (l) => process.stderr.write(`note: ${l}\n`) });
  process.stderr.write(`unibox:ref.* applied: ${Object.entries(identity.refs).map(([r, ref]) => `${r}@${ref} (${applied.repos[r]?.slice(0, 12)})`).join(", ")}: ${applied.reused ? "reused" : "built"} ${applied.imageId}\n`);
  const tags = tagsOf(identity);
  return (await loadPlan({ ...options, root: join(applied.opt, "stack"), identity: { tagFlags: tags, tagWaitMs: 0 } }, boxLayout(box, applied.opt))).plan;
}

// The image's tree linked at <P>/opt/unibox, and its baked stack definition planned instead of --root.
async function fromImage(options: BootCommandOptions, id: string): Promise<BootCommandOptions> {
  const { checkStore, openStore, requireImage, storeDir } = await import("../image/store.js");
  const { linkImage } = await import("../runtime/image-link.js");
  const store = openStore(storeDir(options.root, options.store));
  checkStore(store);
  const image = requireImage(store, id);
  linkImage(openBox(options.prefix).paths.prefix, join(image.dir, "tree/opt/unibox"));
  // Remembered in the store: `fleet ls` finds the box, and `image prune` leaves its image alone.
  const { registerBox } = await import("../fleet/local-registry.js");
  registerBox(store, openBox(options.prefix).paths.prefix, image.id);
  return { ...options, root: join(openBox(options.prefix).paths.opt, "stack") };
}
