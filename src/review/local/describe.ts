// What `review ls` says of one local box: its record, plus what only the running box knows (health, the
// last request through its entry) and the expiry that follows from it.
import type { Store } from "../../image/store.js";
import { entryLastActivity } from "../../runtime/activity.js";
import { probeHealth } from "../health-probe.js";
import { expiresAt } from "../ttl.js";
import type { ReviewBox } from "../types.js";
import { abandoned, boxDirs, type BoxRecord } from "./box-record.js";

/** `healthy`: already known (review up has just waited for it), else asked of the box. */
export async function describeBox(store: Store, record: BoxRecord, healthy?: boolean): Promise<ReviewBox> {
  const activity = entryLastActivity(boxDirs(store, record.name).prefix);
  const expiry = expiresAt(record, activity);
  const health = healthy ?? (record.state === "up" ? await probeHealth(record.statusUrl, 3000) : null);
  return {
    name: record.name,
    target: "local",
    url: record.url ?? "",
    image: record.image,
    refs: record.refs,
    ...(record.stackRef ? { stackRef: record.stackRef } : {}),
    createdAt: record.createdAt,
    ...(expiry ? { expiresAt: expiry.toISOString() } : {}),
    lastActivity: new Date(Math.max(Date.parse(record.createdAt), activity?.getTime() ?? 0)).toISOString(),
    healthy: health,
    state: abandoned(record) ? "abandoned" : record.state !== "up" ? record.state : health === null ? "stopped" : "running",
  };
}

