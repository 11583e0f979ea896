// A box's status service on loopback: GET /health answers what the test sets, and counts its asks.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthServer {
  port: number;
  /** The status the next asks get; a function to change it ask by ask. */
  status: number | ((ask: number) => number);
  asks: number;
  /** What the box says it runs (`repos` in the body), as a status service of an image box does. */
  repos?: Record<string, string>;
  close(): Promise<void>;
}

export async function startHealthServer(status: HealthServer["status"] = 200): Promise<HealthServer> {
  const state = { status, asks: 0 } as HealthServer;
  const server: Server = createServer((req, res) => {
    if (req.url !== "/health") return void res.writeHead(404).end();
    state.asks++;
    const code = typeof state.status === "function" ? state.status(state.asks) : state.status;
    res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify({ healthy: code === 200, ...(state.repos ? { repos: state.repos } : {}) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A loopback port nothing listens on: a box whose status service is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
