// A loopback mirror laid out like nodejs.org/dist, serving the host's own node (and its npm) packed as a real
// node distribution, so the chroot image test fetches and verifies a runtime as the provisioning script would on EC2.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, copyFileSync, chmodSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { execa } from "execa";

/** A running mirror; `version` is exact and without the `v` ("20.20.2"). */
export interface NodeMirror {
  /** `http://127.0.0.1:PORT`: the dist root (`/index.json`, `/v<ver>/…`). */
  url: string;
  version: string;
  /** `<url>/v<ver>/node-v<ver>-linux-x64.tar.xz`. */
  archiveUrl: string;
  /** The archive's sha256, as SHASUMS256.txt publishes it. */
  sha256: string;
  /** Every request path served, in order (a test can tell the archive was fetched). */
  requests: string[];
  stop(): Promise<void>;
}

/** Where the mirror keeps what it packed. */
export interface NodeMirrorOptions {
  /** Where the packed archive is kept between runs (default `$UNIBOX_TEST_CACHE/node-mirror` or /var/cache/unibox-test/node-mirror). */
  cacheDir?: string;
}

/** Starts the mirror on 127.0.0.1 (a free port); packs the host's node and npm once per version and caches the archive. */
export async function startNodeMirror(options: NodeMirrorOptions = {}): Promise<NodeMirror> {
  const version = process.version.replace(/^v/, "");
  const npmDir = findNpm();
  const npmVersion = JSON.parse(readFileSync(join(npmDir, "package.json"), "utf8")).version as string;
  const cacheDir = options.cacheDir ?? join(process.env.UNIBOX_TEST_CACHE ?? "/var/cache/unibox-test", "node-mirror");
  const name = `node-v${version}-linux-x64`;
  const archive = await packedArchive(join(cacheDir, `v${version}-npm${npmVersion}`), name, npmDir);
  const sha256 = await fileSha256(archive);
  const index = JSON.stringify([
    {
      version: `v${version}`,
      date: new Date(statSync(process.execPath).mtime).toISOString().slice(0, 10),
      files: ["linux-x64"],
      npm: npmVersion,
      v8: process.versions.v8,
      uv: process.versions.uv,
      zlib: process.versions.zlib,
      openssl: process.versions.openssl,
      modules: process.versions.modules,
      lts: process.release.lts ?? false,
      security: false,
    },
  ]);
  const routes = new Map<string, () => { type: string; body: string | { file: string } }>([
    ["/index.json", () => ({ type: "application/json", body: index })],
    [`/v${version}/SHASUMS256.txt`, () => ({ type: "text/plain", body: `${sha256}  ${name}.tar.xz\n` })],
    [`/v${version}/${name}.tar.xz`, () => ({ type: "application/x-xz", body: { file: archive } })],
  ]);

  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://mirror").pathname;
    requests.push(path);
    const route = routes.get(path);
    if (!route || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not on this mirror: ${path}\n`);
      return;
    }
    const { type, body } = route();
    if (typeof body === "string") {
      res.writeHead(200, { "content-type": type, "content-length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    res.writeHead(200, { "content-type": type, "content-length": statSync(body.file).size });
    if (req.method === "HEAD") res.end();
    else createReadStream(body.file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    version,
    archiveUrl: `${url}/v${version}/${name}.tar.xz`,
    sha256,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The npm that ships with the running node: `<prefix>/lib/node_modules/npm`, the prefix being node's `bin/..`. */
export function findNpm(): string {
  const prefix = dirname(dirname(process.execPath));
  const candidates = [join(prefix, "lib/node_modules/npm"), "/usr/lib/node_modules/npm", "/usr/local/lib/node_modules/npm"];
  const found = candidates.find((dir) => existsSync(join(dir, "bin/npm-cli.js")));
  if (!found) {
    throw new Error(`expected the npm of ${process.execPath} at one of ${candidates.join(", ")}; found none. Install node with its npm (nodejs.org's archive or NodeSource's package).`);
  }
  return found;
}

// nodejs.org's layout: node-vX-linux-x64/bin/{node,npm,npx}, lib/node_modules/npm. Built beside the cache entry
// and renamed into place, so a killed pack never leaves a half archive that a later run would serve.
async function packedArchive(dir: string, name: string, npmDir: string): Promise<string> {
  const archive = join(dir, `${name}.tar.xz`);
  if (existsSync(archive)) return archive;
  mkdirSync(dir, { recursive: true });
  const staging = mkdtempSync(join(dir, ".pack-"));
  try {
    const top = join(staging, name);
    mkdirSync(join(top, "bin"), { recursive: true });
    mkdirSync(join(top, "lib/node_modules"), { recursive: true });
    copyFileSync(process.execPath, join(top, "bin/node"));
    chmodSync(join(top, "bin/node"), 0o755);
    await execa("cp", ["-a", npmDir, join(top, "lib/node_modules/npm")]);
    symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(top, "bin/npm"));
    symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(top, "bin/npx"));
    // xz's default level takes minutes on node's 100 MB binary; -1 on every core is seconds, and cached anyway.
    await execa("tar", ["--owner=0", "--group=0", "--numeric-owner", "-C", staging, "-cJf", join(staging, "out.tar.xz"), name], { env: { XZ_OPT: "-T0 -1" } });
    renameSync(join(staging, "out.tar.xz"), archive);
    return archive;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
