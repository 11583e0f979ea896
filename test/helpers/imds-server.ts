// A loopback IMDSv2 for tests: token PUT, token-checked GETs, tags that can arrive later, an instance role, a mode that never answers.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoggedRequest {
  method: string;
  /** The request target exactly as received (a leading `//` is kept here). */
  rawPath: string;
  /** With a leading `//` collapsed and percent-encoding decoded. */
  path: string;
  token?: string;
  ttl?: string;
  status?: number;
}

export interface FakeImdsOptions {
  instanceId?: string;
  localIpv4?: string | null;
  /** null: no placement/region (404). */
  region?: string | null;
  /** null: instance-metadata tags disabled (the tags paths are 404). */
  tags?: Record<string, string> | null;
  /** Accept connections and never answer. */
  hang?: boolean;
  /** The instance profile's role listed at iam/security-credentials/; default none (404). */
  role?: string;
}

export interface FakeImds {
  url: string;
  port: number;
  log: LoggedRequest[];
  tags: Record<string, string> | null;
  hang: boolean;
  role?: string;
  /** Adds or changes a tag, as autoscaling does after boot. */
  setTag(key: string, value: string): void;
  /** Tokens this server handed out. */
  issued: Set<string>;
  close(): Promise<void>;
}

const TOKEN_PATH = "/latest/api/token";

export async function startImdsServer(options: FakeImdsOptions = {}): Promise<FakeImds> {
  const instanceId = options.instanceId ?? "i-0123456789abcdef0";
  const localIpv4 = options.localIpv4 === undefined ? "10.0.1.23" : options.localIpv4;
  const region = options.region === undefined ? "eu-west-1" : options.region;
  const issued = new Set<string>();
  const log: LoggedRequest[] = [];

  const fake: FakeImds = {
    url: "",
    port: 0,
    log,
    tags: options.tags === undefined ? {} : options.tags,
    hang: options.hang ?? false,
    role: options.role,
    issued,
    setTag(key, value) {
      if (fake.tags === null) fake.tags = {};
      fake.tags[key] = value;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const metadata = (item: string): string | undefined => {
    if (item === "instance-id") return instanceId;
    if (item === "local-ipv4") return localIpv4 ?? undefined;
    if (item === "placement/region") return region ?? undefined;
    if (item === "iam/security-credentials/" || item === "iam/security-credentials") return fake.role;
    if (fake.tags === null) return undefined;
    if (item === "tags/instance") return Object.keys(fake.tags).join("\n");
    if (item.startsWith("tags/instance/")) {
      const key = item.slice("tags/instance/".length);
      return Object.hasOwn(fake.tags, key) ? fake.tags[key] : undefined;
    }
    return undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const rawPath = req.url ?? "";
    let path = rawPath.replace(/^\/+/, "/");
    try {
      path = decodeURIComponent(path);
    } catch {
      // keep it raw
    }
    const entry: LoggedRequest = {
      method: req.method ?? "",
      rawPath,
      path,
      token: header(req, "x-aws-ec2-metadata-token"),
      ttl: header(req, "x-aws-ec2-metadata-token-ttl-seconds"),
    };
    log.push(entry);
    if (fake.hang) return; // the socket stays open, nothing is ever written
    const reply = (status: number, body: string) => {
      entry.status = status;
      res.writeHead(status, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) });
      res.end(body);
    };

    if (path === TOKEN_PATH) {
      if (req.method !== "PUT") return reply(405, "Method Not Allowed");
      const ttl = Number(entry.ttl);
      if (entry.ttl === undefined || !Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return reply(400, "Bad Request");
      const token = randomBytes(24).toString("base64");
      issued.add(token);
      res.setHeader("x-aws-ec2-metadata-token-ttl-seconds", String(ttl));
      return reply(200, token);
    }
    if (req.method !== "GET") return reply(405, "Method Not Allowed");
    // IMDSv2 required (HttpTokens=required): no token, or one this server did not issue, is 401.
    if (entry.token === undefined || !issued.has(entry.token)) return reply(401, "Unauthorized");
    const prefix = "/latest/meta-data/";
    const value = path.startsWith(prefix) ? metadata(path.slice(prefix.length)) : undefined;
    if (value === undefined) return reply(404, "Not Found");
    return reply(200, value);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  return fake;
}

/** A loopback port nothing listens on: connecting is refused. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
