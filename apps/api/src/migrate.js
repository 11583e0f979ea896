// api.migrate: a one-shot (roles/api.yaml, `once: true`). Brings the database schema up to date, then exits:
// 0 and web and worker start; anything else and they do not (its log says why). It runs on every start
// of the box, so every step is safe to run again. A lock keeps two boxes sharing a database from racing.
import { database } from "./db.js";

const pool = database();
try {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(4242)");
    await client.query(`CREATE TABLE IF NOT EXISTS jobs (
      id uuid PRIMARY KEY,
      payload text NOT NULL,
      status text NOT NULL,
      result text,
      worker text,
      created_at timestamptz NOT NULL DEFAULT now(),
      done_at timestamptz
    )`);
    console.log("api.migrate: the jobs table is there");
  } finally {
    await client.query("SELECT pg_advisory_unlock(4242)").catch(() => undefined);
    client.release();
  }
} catch (err) {
  console.error(`api.migrate: ${err.message}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
