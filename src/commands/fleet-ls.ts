// `unibox fleet ls`: the running boxes, found by their tags (ec2) or in the store (local).
import type { FleetBox, ReviewTarget } from "../review/types.js";
import { table, type CommandResult } from "./result.js";

export async function fleetLsCommand(options: { root: string; store?: string; target: ReviewTarget; mode?: string; service?: string }): Promise<CommandResult> {
  const filter = { mode: options.mode, service: options.service };
  let boxes: FleetBox[];
  if (options.target === "ec2") boxes = await (await import("./review-ec2.js")).ec2FleetLsCommand(filter);
  else {
    const { localStore } = await import("../review/local/manage.js");
    const { localFleetLs } = await import("../fleet/local.js");
    boxes = await localFleetLs(localStore(options.root, options.store), filter);
  }
  const rows = [["NAME", "MODE", "SERVICE", "IMAGE", "STATE", "HEALTHY"], ...boxes.map((b) => [b.name, b.mode, [b.service, b.component].filter(Boolean).join(".") || "-", b.image, b.state, b.healthy === null ? "-" : b.healthy ? "yes" : "no"])];
  return { json: { boxes }, text: boxes.length ? table(rows) : "no boxes found" };
}
