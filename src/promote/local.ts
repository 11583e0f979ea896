// `unibox promote BOX` on this machine: a review box that is healthy right now becomes an image in the store.
// The box is stopped gracefully and reset first, so the image boots as a new instance would; the new image is
// the box's image with a manifest and a provenance statement that name the box and what it ran.
import { RuntimeFailure } from "../errors.js";
import { promoteImage } from "../image/promote.js";
import { findImage, type Store } from "../image/store.js";
import { boxStatus } from "../runtime/status.js";
import { down } from "../runtime/down.js";
import { openBox } from "../runtime/box.js";
import { probeHealth } from "../review/health-probe.js";
import { boxDirs, requireRecord, writeRecord } from "../review/local/box-record.js";
import { linkedImage } from "../fleet/local-registry.js";

export interface PromoteResult {
  id: string;
  promotedFrom: string;
  parentImage: string;
  repos: Record<string, string>;
  healthVerifiedAt: string;
  treeDigest: string;
}

export async function localPromote(store: Store, name: string, options: { progress(line: string): void }): Promise<PromoteResult> {
  const record = requireRecord(store, name);
  const prefix = boxDirs(store, name).prefix;
  const saved = openBox(prefix).saved;
  if (!saved || saved.plan.mode !== "review") throw new RuntimeFailure(`review box ${name} has no running review plan under ${prefix}: nothing to promote`, { details: ["Bring it up again: unibox review down " + name + " && unibox review up ..."] });
  // What the box runs is what its prefix links; the record must agree, or the proof would name another image.
  const linked = linkedImage(prefix, store);
  if (linked !== record.image) throw new RuntimeFailure(`review box ${name} runs ${linked ?? "no image of this store"}, but its record says ${record.image}: not promoted`, { details: [`Take it down (unibox review down ${name}) and bring it up again.`] });
  const parent = findImage(store, record.image);
  if (!parent) throw new RuntimeFailure(`review box ${name} runs ${record.image}, which is no longer in the store ${store.root}`, { details: ["A pruned image cannot be promoted; bring the box up again from an image there is."] });

  // Health first, from the box's own endpoint (what a load balancer asks), then every instance as status sees it.
  const healthy = await probeHealth(record.statusUrl, 5000);
  const status = await boxStatus(prefix);
  const sick = status.instances.filter((i) => !i.healthy);
  if (healthy !== true || sick.length > 0) {
    throw new RuntimeFailure(`review box ${name} is not healthy (${record.statusUrl ?? "no status endpoint"} ${healthy === null ? "did not answer" : healthy ? "answered 200" : "answered not 200"}${sick.length ? `; not healthy: ${sick.map((i) => i.name).join(", ")}` : ""}): not promoted`, {
      details: [`unibox status --prefix ${prefix}`, "Only a box whose every instance is healthy is imaged."],
    });
  }
  const healthVerifiedAt = new Date().toISOString();
  options.progress(`${name}: healthy at ${healthVerifiedAt}; stopping it gracefully and resetting it`);
  const stopped = await down({ prefix, reset: true });
  if (stopped.failed.length) throw new RuntimeFailure(`could not stop ${stopped.failed.join(", ")} of review box ${name}: not promoted`);
  writeRecord(store, { ...record, state: "stopped" });

  const repos = Object.fromEntries(Object.entries(parent.manifest.repos).map(([n, r]) => [n, r.commit]));
  const image = await promoteImage(store, parent, { box: name, repos, refs: Object.fromEntries(Object.entries(record.refs).map(([n, r]) => [n, r.ref])), ...(record.stackRef ? { stackRef: record.stackRef } : {}), healthVerifiedAt });
  options.progress(`${name}: promoted to ${image.id}`);
  return { id: image.id, promotedFrom: name, parentImage: parent.id, repos, healthVerifiedAt, treeDigest: image.treeDigest };
}
