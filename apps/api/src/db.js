// Connections to the box's (or the managed) postgres and redis, from DATABASE_URL and REDIS_URL.
import pg from "pg";
import { createClient } from "redis";

export const QUEUE = "jobs";

/** A small pool: a few web replicas and workers share one review box's postgres. */
export function database() {
  return new pg.Pool({ connectionString: required("DATABASE_URL"), max: 4, connectionTimeoutMillis: 2000 });
}

/** A redis client; the worker needs its own for BRPOP, which blocks the connection. */
export async function queue() {
  const client = createClient({ url: required("REDIS_URL"), socket: { connectTimeout: 2000, reconnectStrategy: (n) => Math.min(n * 100, 1000) } });
  client.on("error", (err) => console.error(`redis: ${err.message}`));
  await client.connect();
  return client;
}

/** Creates the jobs table once, whichever replica gets there first. */
export async function migrate(pool) {
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
  } finally {
    await client.query("SELECT pg_advisory_unlock(4242)").catch(() => undefined);
    client.release();
  }
}

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set: it comes from envdirs/ (review.api/${name}.hbs on a review box)`);
    process.exit(78);
  }
  return value;
}
