// api.web: the HTTP API. GET / (welcome page), POST /jobs, GET /jobs/:id, GET /health.
// On TERM it stops accepting, finishes the requests in flight, then exits.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { database, queue, QUEUE } from "./db.js";

const port = Number(process.env.PORT ?? 3000);
const instance = process.env.UNIBOX_INSTANCE ?? "api.web";
const pool = database();
const redis = await queue();
// The jobs table is there: api.migrate (a one-shot) ran before this started.

const routes = {
  "GET /": async () => [200, "text/html", `<!doctype html><title>api</title><h1>welcome to the api</h1><p>served by ${instance}</p>\n`],
  "GET /health": async () => {
    await pool.query("SELECT 1");
    if ((await redis.ping()) !== "PONG") throw new Error("redis did not answer PONG");
    return [200, "text/plain", "ok\n"];
  },
  "POST /jobs": async (body) => {
    const id = randomUUID();
    await pool.query("INSERT INTO jobs (id, payload, status) VALUES ($1, $2, 'queued')", [id, body || "{}"]);
    await redis.lPush(QUEUE, id);
    return [202, "application/json", JSON.stringify({ id, status: "queued" })];
  },
  "GET /jobs/:id": async (_body, id) => {
    const { rows } = await pool.query("SELECT id, status, result, worker, done_at FROM jobs WHERE id = $1", [id]);
    return rows.length ? [200, "application/json", JSON.stringify(rows[0])] : [404, "application/json", JSON.stringify({ error: "no such job" })];
  },
};

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const match = /^\/jobs\/([0-9a-f-]{36})$/.exec(req.url ?? "");
  const handler = match ? routes[`${req.method} /jobs/:id`] : routes[`${req.method} ${req.url}`];
  try {
    const [status, type, text] = handler ? await handler(Buffer.concat(chunks).toString(), match?.[1]) : [404, "text/plain", "not found\n"];
    res.writeHead(status, { "content-type": type, "x-served-by": instance });
    res.end(text);
  } catch (err) {
    res.writeHead(503, { "content-type": "text/plain" });
    res.end(`unavailable: ${err.message}\n`);
  }
});
server.keepAliveTimeout = 2000;
server.listen(port, "127.0.0.1", () => console.log(`${instance} listening on 127.0.0.1:${port}`));

process.on("SIGTERM", () => {
  console.log(`${instance}: TERM, finishing requests in flight`);
  // Stop accepting at once (the router sends new requests to another replica), let in-flight ones finish.
  server.close(async () => {
    await Promise.allSettled([pool.end(), redis.quit()]);
    console.log(`${instance}: drained, exiting`);
    process.exit(0);
  });
  server.closeIdleConnections();
});
