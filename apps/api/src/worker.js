// api.worker: takes job ids from redis, does the job, records the result in postgres.
// On TERM it finishes the job in hand, then exits.
import { createHash } from "node:crypto";
import { database, queue, QUEUE } from "./db.js";

const instance = process.env.UNIBOX_INSTANCE ?? "api.worker";
const pool = database();
const redis = await queue();
let stopping = false;

process.on("SIGTERM", () => {
  console.log(`${instance}: TERM, finishing the job in hand`);
  stopping = true;
});

console.log(`${instance} waiting for jobs`);
while (!stopping) {
  // A short block, so a stop is noticed within a second even when the queue is empty.
  const next = await redis.brPop(QUEUE, 1).catch((err) => (console.error(err.message), null));
  if (!next) continue;
  const id = next.element;
  const { rows } = await pool.query("UPDATE jobs SET status = 'working', worker = $2 WHERE id = $1 RETURNING payload", [id, instance]);
  if (rows.length === 0) continue;
  // The "work": a digest of the payload, and a little time, as real jobs take (`{"workMs": N}` asks for
  // more, up to 10 s: how a test sees a job finished, not dropped, when its worker is told to stop).
  await new Promise((r) => setTimeout(r, Math.min(10_000, Number(parse(rows[0].payload).workMs) || 50)));
  const result = createHash("sha256").update(rows[0].payload).digest("hex");
  await pool.query("UPDATE jobs SET status = 'done', result = $2, worker = $3, done_at = now() WHERE id = $1", [id, result, instance]);
}
await Promise.allSettled([pool.end(), redis.quit()]);
console.log(`${instance}: stopped`);
process.exit(0);

function parse(text) {
  try {
    return JSON.parse(text) ?? {};
  } catch {
    return {};
  }
}
