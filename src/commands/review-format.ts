// How review boxes read in a terminal: one table for `review up`, `ls` and `reap`.
import type { ReviewBox } from "../review/types.js";
import { table } from "./result.js";

export function reviewTable(boxes: ReviewBox[], now = new Date()): string {
  return table([
    ["NAME", "STATE", "HEALTHY", "IMAGE", "REFS", "AGE", "IDLE", "EXPIRES", "URL"],
    ...boxes.map((b) => [
      b.name,
      b.state,
      b.healthy === null ? "-" : b.healthy ? "yes" : "no",
      b.image,
      [...Object.entries(b.refs).map(([r, x]) => `${r}@${x.ref}`), ...(b.stackRef ? [`stack@${b.stackRef}`] : [])].join(" ") || "-",
      ago(b.createdAt, now),
      b.lastActivity ? ago(b.lastActivity, now) : "-",
      b.expiresAt ? inTime(b.expiresAt, now) : "never",
      b.url || "-",
    ]),
  ]);
}

function ago(iso: string, now: Date): string {
  return span(now.getTime() - Date.parse(iso));
}

function inTime(iso: string, now: Date): string {
  const ms = Date.parse(iso) - now.getTime();
  return ms <= 0 ? `expired ${span(-ms)} ago` : `in ${span(ms)}`;
}

function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s}s`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
