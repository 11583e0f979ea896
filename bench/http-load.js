// A bounded HTTP load on loopback: what a client of the review box sees during a restart.
// Used by `npm run bench` (restart figures) and by the end-to-end test of the sample stack.
import http from "node:http";

/**
 * Sends GET `url` with `concurrency` clients until `stop()` is called, `maxRequests` are sent or
 * `maxMs` pass. Resolves with what was sent and what failed (a network error or a status >= 500).
 */
export function startLoad({ url, concurrency = 8, maxRequests = 20_000, maxMs = 60_000 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const deadline = Date.now() + maxMs;
  const result = { sent: 0, failed: 0, errors: {} };
  let stopped = false;
  const once = () =>
    new Promise((resolve) => {
      const req = http.get(url, { agent, timeout: 5000 }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode >= 500 ? `HTTP ${res.statusCode}` : undefined));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (err) => resolve(err.code ?? err.message));
    });
  const client = async () => {
    while (!stopped && result.sent < maxRequests && Date.now() < deadline) {
      result.sent++;
      const error = await once();
      if (error) {
        result.failed++;
        result.errors[error] = (result.errors[error] ?? 0) + 1;
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, client)).then(() => {
    agent.destroy();
    return result;
  });
  return {
    /** Stops sending; resolves with the totals once the requests in flight are answered. */
    stop: () => {
      stopped = true;
      return done;
    },
    done,
    progress: () => ({ ...result }),
  };
}
