// Connections to the box's (or the managed) postgres and redis, from DATABASE_URL and REDIS_URL.
// The schema is not made here: src/migrate.js (api.migrate, a one-shot) creates it before web and worker start.
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

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set: it comes from envdirs/ (review.api/${name}.hbs on a review box)`);
    process.exit(78);
  }
  return value;
}
