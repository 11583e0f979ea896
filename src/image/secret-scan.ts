// The scan that keeps secrets out of an image: run on the tree before it is sealed; the build stops naming each
// finding unless image.yaml's `allowSecrets` lets that path through (DESIGN.md §5).
//
// Three kinds of rules. Name rules flag files that are secret by what they are (`.aws/credentials`, shell history,
// a machine id, `id_rsa`, a `.p12` key store), each only when it holds something: an empty history or an
// uninitialised machine-id leaks nothing. File rules read a file of a known kind (`.env`, `.npmrc`, `.pgpass`,
// a kubeconfig, `.docker/config.json`) for the settings that hold credentials. Content rules look for keys and tokens
// in every file. Files up to `maxFileBytes` are read whole; larger text files are read in windows of `maxFileBytes`
// overlapping by 4 KiB (a token across a window's edge is whole in one of them), content rules only, up to 64 MiB:
// a larger text file is reported (`too-large`), never passed unread. Binary files (a NUL in the first 8 KiB) are
// skipped, whatever their size, except small ones, which are still searched for private keys. Each content rule
// needs more than a keyword, so that source code that merely handles keys (a PEM parser, an AWS SDK) does not fire.
// Symlinks are never followed and FIFOs, sockets and devices never opened: reading them could block or never end.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readdirSync, type Stats } from "node:fs";
import { kernelFilesystemAt } from "./tree-digest.js";

/** One file (or directory) that must not be baked, and why. */
export interface SecretFinding {
  /** Relative to the scanned root, `/`-separated. */
  path: string;
  /** The rule's short id (`aws-access-key-id`): what `allowSecrets` users search the docs for. */
  rule: string;
  /** What was found and where, without the secret itself. */
  why: string;
}

/** Every rule the scan applies, by id: for documentation and `--help`. */
export const SECRET_RULES: Record<string, string> = {
  "private-key-pem": "a PEM private key (-----BEGIN ... PRIVATE KEY----- followed by key data)",
  "private-key-openssh": "an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----)",
  "private-key-putty": "a PuTTY private key file (PuTTY-User-Key-File with Private-Lines)",
  "private-key-pgp": "an OpenPGP private key block (-----BEGIN PGP PRIVATE KEY BLOCK----- followed by key data)",
  "private-key-der": "a DER private key (PKCS#8 RSA, EC or EdDSA, encrypted PKCS#8, PKCS#1 RSA, SEC1 EC), found by its ASN.1 structure",
  "private-key-file":
    "a private key by its file name, whatever its encoding: id_rsa, id_dsa, id_ecdsa, id_ed25519 (not .pub), *.p12, *.pfx, *.jks, *.keystore, a *.key that is not a PEM public key",
  "aws-access-key-id": "an AWS access key id (AKIA or ASIA and 16 more characters)",
  "aws-secret-access-key": "a 40-character AWS secret access key assigned to aws_secret_access_key",
  "aws-credentials": "an AWS shared credentials file (.aws/credentials)",
  "git-credentials": "git's stored credentials (.git-credentials)",
  netrc: "a .netrc with a password",
  "npmrc-auth": "an .npmrc holding _authToken, _auth or _password",
  "yarnrc-auth": "a .yarnrc.yml holding npmAuthToken or npmAuthIdent",
  pgpass: "a PostgreSQL .pgpass with an entry",
  "docker-config-auth": "a Docker client config (.docker/config.json, .dockercfg) holding auth, identitytoken or registrytoken",
  "kubeconfig-credentials": "a kubeconfig (.kube/config, or YAML with kind: Config and users:) holding token, client-key-data or password",
  "authorized-keys": "an SSH authorized_keys file with keys in it",
  "shell-history": "a shell or REPL history file",
  "machine-id": "an initialised machine id (etc/machine-id, var/lib/dbus/machine-id): every box would share it",
  "cloud-init-state": "cloud-init state of the builder instance (var/lib/cloud/instance, var/lib/cloud/instances/*)",
  "dotenv-secret":
    "a .env file (.env, .env.*, *.env, .envrc; not .env.example/.sample/.template/.dist) assigning a value to a secret-named variable (SECRET, TOKEN, PASSWORD, PASSWD, PWD, PRIVATE, API_KEY, APIKEY, ACCESS_KEY, CREDENTIAL, AUTH, SIGNING, SALT, DSN, *_KEY) or holding a URL with a password",
  "github-token": "a GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
  "gitlab-token": "a GitLab personal access token (glpat-)",
  "npm-token": "an npm access token (npm_ and 36 characters)",
  "slack-token": "a Slack token (xoxb-, xoxp-, ..., xapp-)",
  "slack-webhook": "a Slack incoming-webhook URL",
  "google-api-key": "a Google API key (AIza and 35 characters)",
  "stripe-secret-key": "a live Stripe secret or restricted key (sk_live_, rk_live_)",
  "ai-api-key": "an Anthropic (sk-ant-api..-) or OpenAI project (sk-proj-) API key",
  "too-large": "a text file over 64 MiB: the scan does not read that much, so cannot vouch for it",
  unreadable: "a file or directory the scan could not read, so cannot vouch for",
};

const DEFAULT_MAX_FILE_BYTES = 1 << 20;
const BINARY_SNIFF_BYTES = 8192;
/** Binary files up to this size are still searched for private keys (a key embedded in a small blob). */
const SMALL_BINARY_BYTES = 64 * 1024;
/** A text file over maxFileBytes is read in windows of maxFileBytes (at least this much)... */
const MIN_WINDOW_BYTES = 64 * 1024;
/** ...each also holding the next OVERLAP_BYTES, so a token across a window's edge is whole in one window. */
const OVERLAP_BYTES = 4096;
/** A text file larger than this is reported, not read: a build should not spend minutes on one log file. */
const HARD_CAP_BYTES = 64 * 1024 * 1024;
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

interface Scan {
  maxFileBytes: number;
  window: number;
  /** Holds a whole small file, or one window and its overlap. */
  buffer: Buffer;
  report: Report;
}

/** Scans `root` (not following symlinks; never opening FIFOs/devices) for what must not be baked; paths relative to root.
 *  `allow`: root-relative paths or globs (image.yaml allowSecrets) that are let through. `maxFileBytes`: files up to
 *  this size get every rule; larger text files get the content rules, read in windows. `skip`: directories not walked. */
export function scanSecrets(root: string, options: { allow?: string[]; maxFileBytes?: number; skip?: (rel: string) => boolean } = {}): SecretFinding[] {
  const allowed = allowMatcher(options.allow ?? []);
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const window = Math.max(maxFileBytes, MIN_WINDOW_BYTES);
  const findings: SecretFinding[] = [];
  const report = (path: string, rule: string, why: string) => {
    if (!allowed(path)) findings.push({ path, rule, why });
  };
  const scan: Scan = { maxFileBytes, window, buffer: Buffer.allocUnsafe(window + OVERLAP_BYTES), report };

  const visit = (abs: Buffer, rel: string, stats: Stats, parentDev: number): void => {
    if (stats.isSymbolicLink()) {
      // The link cloud-init points at the current instance's state; any other link is not followed.
      if (rel === "var/lib/cloud/instance") report(rel, "cloud-init-state", "cloud-init's link to the builder instance's state");
      return;
    }
    if (stats.isDirectory()) {
      if (rel === "var/lib/cloud/instance" || parentOf(rel) === "var/lib/cloud/instances") {
        // One finding for the whole instance directory, not one per file in it.
        report(rel, "cloud-init-state", "cloud-init state of the builder instance; a box booted from the image would inherit it");
        return;
      }
      // A chroot's /proc or /sys: nothing in it is baked, and walking it reads the live system.
      if (kernelFilesystemAt(abs, stats, parentDev)) return;
      // A subtree the caller scanned already (a cached build, scanned once when it was made).
      if (options.skip?.(rel)) return;
      walkDir(abs, rel, stats.dev, visit, report);
      return;
    }
    if (stats.isFile()) scanFile(abs, rel, stats.size, scan);
    // FIFOs, sockets and devices hold nothing at rest: skipped without being opened.
  };

  const rootBuf = Buffer.from(root);
  let rootStats: Stats;
  try {
    rootStats = lstatSync(rootBuf);
  } catch (err) {
    report(".", "unreadable", `the scanned root ${root} cannot be read (${codeOf(err)})`);
    return findings;
  }
  if (rootStats.isDirectory()) walkDir(rootBuf, "", rootStats.dev, visit, report);
  else report(".", "unreadable", `expected ${root} to be a directory`);
  return findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}

/** A predicate for `allowSecrets`: exact root-relative paths, directory prefixes ending in "/", globs with * and **. */
export function allowMatcher(patterns: string[]): (path: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const globs: RegExp[] = [];
  for (const raw of patterns) {
    const pattern = raw.replace(/^(?:\.\/|\/)+/, "");
    if (pattern.includes("*")) globs.push(globToRegExp(pattern.endsWith("/") ? `${pattern}**` : pattern));
    else if (pattern.endsWith("/")) prefixes.push(pattern);
    else exact.add(pattern);
  }
  return (path) =>
    exact.has(path) || prefixes.some((p) => path.startsWith(p) || path === p.slice(0, -1)) || globs.some((g) => g.test(path));
}

// Paths of every shape a finding can have: shallow and deep, dotfiles and not, under each top-level directory a box uses.
const EVERYWHERE = [
  "a",
  ".env",
  "etc/machine-id",
  "root/.bash_history",
  "home/dev/.ssh/id_rsa",
  "usr/local/lib/x.pem",
  "var/lib/cloud/instance",
  "srv/x/.docker/config.json",
  "opt/unibox/apps/api/node_modules/@scope/pkg/test/fixtures/deep/key.pem",
];

/** Whether `allowSecrets` patterns let every path through (`**` does): the scan would be switched off; warn or refuse. */
export function allowsEverything(patterns: string[]): boolean {
  return EVERYWHERE.every(allowMatcher(patterns));
}

// `*` is any run within one path segment; `**` any run of segments: `a/**/b` matches a/b and a/x/y/b, `a/**` all under a.
function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      const slashAfter = glob[i + 2] === "/";
      source += slashAfter ? "(?:.*/)?" : ".*";
      i += slashAfter ? 2 : 1;
    } else if (c === "*") source += "[^/]*";
    else source += c.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

type Report = (path: string, rule: string, why: string) => void;
const SLASH = Buffer.from("/");

type Visit = (abs: Buffer, rel: string, stats: Stats, parentDev: number) => void;

function walkDir(abs: Buffer, rel: string, dev: number, visit: Visit, report: Report): void {
  let names: Buffer[];
  try {
    names = readdirSync(abs, { encoding: "buffer" });
  } catch (err) {
    report(rel || ".", "unreadable", `directory cannot be listed (${codeOf(err)}): the scan cannot vouch for what is in it`);
    return;
  }
  for (const name of names) {
    const childAbs = Buffer.concat([abs, SLASH, name]);
    const childRel = rel === "" ? name.toString() : `${rel}/${name.toString()}`;
    let stats: Stats;
    try {
      stats = lstatSync(childAbs);
    } catch (err) {
      report(childRel, "unreadable", `cannot be examined (${codeOf(err)}): the scan cannot vouch for it`);
      continue;
    }
    visit(childAbs, childRel, stats, dev);
  }
}

const HISTORY_FILES = new Set([
  ".bash_history",
  ".zsh_history",
  ".sh_history",
  ".python_history",
  ".psql_history",
  ".mysql_history",
  ".node_repl_history",
]);
const MACHINE_ID_PATHS = new Set(["etc/machine-id", "var/lib/dbus/machine-id"]);
/** OpenSSH's default key names: a private key whatever its format (PEM, OpenSSH, or one the content rules miss). */
const SSH_KEY_NAMES = new Set(["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"]);
const KEY_STORE = /\.(?:p12|pfx|jks|keystore)$/i;

/** What one file holds: rule -> why; a rule's first finding in the file wins. */
type Hits = Map<string, string>;

function scanFile(abs: Buffer, rel: string, size: number, scan: Scan): void {
  const { report } = scan;
  // An empty file holds nothing: an empty history, key file or .env leaks nothing.
  if (size === 0) return;
  const base = rel.slice(rel.lastIndexOf("/") + 1);
  // Name rules first: they need no read.
  if (rel === ".aws/credentials" || rel.endsWith("/.aws/credentials")) report(rel, "aws-credentials", "an AWS shared credentials file");
  if (base === ".git-credentials") report(rel, "git-credentials", "git's stored credentials (URLs with passwords or tokens)");
  if (HISTORY_FILES.has(base)) report(rel, "shell-history", `a history file (${base}): commands typed on the builder, secrets included`);
  const store = KEY_STORE.exec(base);
  if (store) report(rel, "private-key-file", `a key store (${store[0]}): it holds private keys, whatever their encoding`);

  let fd: number;
  try {
    fd = openSync(abs, OPEN_FLAGS);
  } catch (err) {
    report(rel, "unreadable", `cannot be read (${codeOf(err)}): the scan cannot vouch for it`);
    return;
  }
  const hits: Hits = new Map();
  try {
    if (!fstatSync(fd).isFile()) {
      report(rel, "unreadable", "cannot be read (no longer a regular file): the scan cannot vouch for it");
      return;
    }
    if (size <= scan.maxFileBytes) scanWhole(fd, rel, base, size, scan, hits);
    else scanWindows(fd, base, size, scan, hits);
  } catch (err) {
    report(rel, "unreadable", `cannot be read (${codeOf(err)}): the scan cannot vouch for it`);
    return;
  } finally {
    closeSync(fd);
  }
  for (const [rule, why] of hits) report(rel, rule, why);
}

// A file up to maxFileBytes: every rule.
function scanWhole(fd: number, rel: string, base: string, size: number, scan: Scan, hits: Hits): void {
  const bytes = scan.buffer.subarray(0, readAt(fd, scan.buffer, 0, size));
  const binary = bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
  const small = bytes.length <= SMALL_BINARY_BYTES;
  if (!binary || small) {
    // latin1 maps each byte to one char: the patterns are ASCII, and offsets stay byte offsets.
    const text = bytes.toString("latin1");
    if (!binary) fileRules(rel, base, text, hits);
    contentHits(text, binary, hits);
  }
  if (small) {
    const der = derPrivateKey(bytes);
    if (der && !hits.has("private-key-der")) hits.set("private-key-der", `a DER ${der} private key`);
  }
  addNamedKey(namedKey(base, bytes), hits);
}

// A text file over maxFileBytes: the content rules, window by window. Binary files are skipped: a node executable or
// a tarball is no place for a text secret, and a key store is found by its name.
function scanWindows(fd: number, base: string, size: number, scan: Scan, hits: Hits): void {
  const { buffer, window } = scan;
  let len = readAt(fd, buffer, 0, Math.min(size, window + OVERLAP_BYTES));
  const named = namedKey(base, buffer.subarray(0, len));
  if (buffer.subarray(0, Math.min(len, BINARY_SNIFF_BYTES)).includes(0)) return addNamedKey(named, hits);
  if (size > HARD_CAP_BYTES) {
    hits.set("too-large", `a ${mib(size)} text file: the scan reads at most ${mib(HARD_CAP_BYTES)}, so it cannot vouch for it`);
    return addNamedKey(named, hits);
  }
  // Window k holds bytes [k*window, (k+1)*window + OVERLAP_BYTES): the overlap is read once, kept at the buffer's front.
  let start = 0;
  for (;;) {
    const last = start + len >= size || len <= window;
    const text = buffer.toString("latin1", 0, len);
    const at = start;
    // Lines before the window are counted only for a finding: the file is read again up to the window.
    const lineOf = (index: number) => linesBefore(fd, at) + lineAt(text, index);
    // A match starting in the overlap's second half is left to the next window, which also holds what follows it.
    contentHits(text, false, hits, lineOf, last ? Infinity : window + OVERLAP_BYTES / 2);
    if (last) break;
    buffer.copy(buffer, 0, window, len);
    const kept = len - window;
    const n = readAt(fd, buffer, kept, Math.min(window, size - start - len), start + len);
    if (n === 0) break;
    start += window;
    len = kept + n;
  }
  addNamedKey(named, hits);
}

// How many newlines the file holds before `position`.
function linesBefore(fd: number, position: number): number {
  const chunk = Buffer.allocUnsafe(Math.min(position, 1 << 16));
  let count = 0;
  for (let offset = 0; offset < position; ) {
    const n = readAt(fd, chunk, 0, Math.min(chunk.length, position - offset), offset);
    if (n === 0) break;
    for (let i = chunk.indexOf(10); i !== -1 && i < n; i = chunk.indexOf(10, i + 1)) count++;
    offset += n;
  }
  return count;
}

// Reads up to `length` bytes at `position` into `buffer` at `offset`; fewer only at the end of the file.
function readAt(fd: number, buffer: Buffer, offset: number, length: number, position = 0): number {
  let total = 0;
  while (total < length) {
    const n = readSync(fd, buffer, offset + total, length - total, position + total);
    if (n === 0) break;
    total += n;
  }
  return total;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 30 ? 0 : 1)} MiB`;
}

// A file whose name says it is a private key: why, from its name and first bytes; undefined for a public key.
function namedKey(base: string, head: Buffer): string | undefined {
  if (SSH_KEY_NAMES.has(base)) return `an SSH private key by its name (${base}), whatever its format`;
  if (base.endsWith(".key") && !publicKeyText(head)) return "a .key file that is not a PEM public key: a private key, whatever its encoding";
  return undefined;
}

// Reported only when no content rule already named the key: one finding per key file, the most precise one.
function addNamedKey(why: string | undefined, hits: Hits): void {
  if (why && ![...hits.keys()].some((rule) => rule.startsWith("private-key-"))) hits.set("private-key-file", why);
}

function publicKeyText(head: Buffer): boolean {
  const text = head.toString("latin1", 0, Math.min(head.length, 65536)).trimStart();
  if (/^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-(?:ssh|ecdsa)-\S+) [A-Za-z0-9+/]/.test(text)) return true;
  return /^-----BEGIN (?:(?:[A-Z0-9]+ )*PUBLIC KEY(?: BLOCK)?|CERTIFICATE)-----/.test(text) && !/PRIVATE KEY/.test(text);
}

// Algorithm OIDs (content bytes, hex) of keys a PKCS#8 PrivateKeyInfo may hold.
const PKCS8_ALGORITHMS: Record<string, string> = {
  "2a864886f70d010101": "PKCS#8 RSA",
  "2a8648ce3d0201": "PKCS#8 EC",
  "2a8648ce380401": "PKCS#8 DSA",
  "2b6570": "PKCS#8 Ed25519",
  "2b6571": "PKCS#8 Ed448",
  "2b656e": "PKCS#8 X25519",
  "2b656f": "PKCS#8 X448",
};
/** PKCS#5 (PBES2, PBES1) and PKCS#12 password-based encryption OIDs: an EncryptedPrivateKeyInfo starts with one. */
const ENCRYPTION_OID = /^2a864886f70d01(?:050[1-9a-d]|0c01)/;

// A whole DER file that parses, by its first few ASN.1 headers, as a private key: what kind, or undefined.
// The outer SEQUENCE must span exactly the file, so random bytes that start with 0x30 do not pass.
function derPrivateKey(b: Buffer): string | undefined {
  if (b.length < 32 || b[0] !== 0x30) return undefined;
  const outer = header(b, 0);
  if (!outer || outer.end !== b.length) return undefined;
  let i = outer.body;
  if (b[i] === 0x30) {
    // EncryptedPrivateKeyInfo: SEQUENCE { SEQUENCE { OID of the encryption, ... }, OCTET STRING }
    const algorithm = header(b, i);
    const oid = algorithm && oidAt(b, algorithm.body);
    return oid && ENCRYPTION_OID.test(oid) ? "encrypted PKCS#8" : undefined;
  }
  // Every other private key form starts with a small INTEGER version: 0 or 1.
  if (b[i] !== 0x02 || b[i + 1] !== 0x01 || b[i + 2] > 1) return undefined;
  const version = b[i + 2];
  i += 3;
  if (b[i] === 0x30) {
    // PrivateKeyInfo: SEQUENCE { version, SEQUENCE { OID of the algorithm, ... }, OCTET STRING }
    const algorithm = header(b, i);
    const oid = algorithm && oidAt(b, algorithm.body);
    return oid ? PKCS8_ALGORITHMS[oid] : undefined;
  }
  // RSAPrivateKey (and OpenSSL's DSA key): version 0, then the modulus, a long INTEGER.
  if (version === 0 && b[i] === 0x02 && b[i + 1] >= 0x81) return "PKCS#1 RSA (or DSA)";
  // ECPrivateKey: version 1, then the private key as an OCTET STRING of the curve's size.
  if (version === 1 && b[i] === 0x04 && [32, 48, 66].includes(b[i + 1])) return "SEC1 EC";
  return undefined;
}

// A DER tag-length header at `at`: where its content starts and ends.
function header(b: Buffer, at: number): { body: number; end: number } | undefined {
  const first = b[at + 1];
  if (first === undefined) return undefined;
  if (first < 0x80) return { body: at + 2, end: at + 2 + first };
  const count = first & 0x7f;
  if (count < 1 || count > 3) return undefined;
  let length = 0;
  for (let k = 0; k < count; k++) length = length * 256 + (b[at + 2 + k] ?? 0);
  return { body: at + 2 + count, end: at + 2 + count + length };
}

function oidAt(b: Buffer, at: number): string | undefined {
  if (b[at] !== 0x06 || b[at + 1] === undefined || b[at + 1] > 20) return undefined;
  return b.toString("hex", at + 2, at + 2 + b[at + 1]);
}

// The rules for files of a known kind, read whole: .netrc, .npmrc, .yarnrc.yml, .pgpass, Docker and kube configs,
// authorized_keys, machine ids, .env files.
function fileRules(rel: string, base: string, text: string, hits: Hits): void {
  const set = (rule: string, why: string) => {
    if (!hits.has(rule)) hits.set(rule, why);
  };
  if (base === ".netrc" || base === "_netrc") {
    const at = /(?:^|\s)password\s+\S/.exec(text);
    if (at) set("netrc", `a .netrc with a password (line ${lineAt(text, at.index)})`);
  }
  if (base === ".npmrc") {
    const at = firstSetting(text, NPMRC_AUTH);
    if (at) set("npmrc-auth", `an npm auth setting (${at.key}) with a value at line ${at.line}`);
  }
  if (base === ".yarnrc.yml") {
    const at = firstSetting(text, YARNRC_AUTH);
    if (at) set("yarnrc-auth", `a Yarn auth setting (${at.key}) with a value at line ${at.line}`);
  }
  if (base === ".pgpass") {
    const at = /^[ \t]*[^#\s]/m.exec(text);
    if (at) set("pgpass", `a PostgreSQL password entry at line ${lineAt(text, at.index)}`);
  }
  if (base === ".dockercfg" || rel === ".docker/config.json" || rel.endsWith("/.docker/config.json")) {
    const at = DOCKER_AUTH.exec(text);
    if (at) set("docker-config-auth", `registry credentials ("${at[1]}") at line ${lineAt(text, at.index)}`);
  }
  if (isKubeconfig(rel, base, text)) {
    const at = firstSetting(text, KUBE_CREDENTIAL);
    if (at) set("kubeconfig-credentials", `a kubeconfig user's ${at.key} at line ${at.line}`);
  }
  if (base === "authorized_keys" || base === "authorized_keys2") {
    if (/^[ \t]*[^#\s]/m.test(text)) set("authorized-keys", "SSH keys that would be let into every box made from the image");
  }
  if (MACHINE_ID_PATHS.has(rel)) {
    const id = text.trim();
    // "uninitialized" is systemd's first-boot marker: the id is generated on the box, as it should be.
    if (id !== "" && id !== "uninitialized") set("machine-id", "the builder's machine id: every box made from the image would share it; empty the file");
  }
  if (isEnvFile(base)) {
    const at = dotenvSecret(text);
    if (at) set("dotenv-secret", `${at.what} at line ${at.line}`);
  }
}

const NPMRC_AUTH = /^[ \t]*(?:\S*:)?(_authToken|_auth|_password)[ \t]*=[ \t]*(.*)$/gim;
const YARNRC_AUTH = /^[ \t]*["']?(npmAuthToken|npmAuthIdent)["']?[ \t]*:[ \t]*(.*)$/gm;
const DOCKER_AUTH = /"(auth|identitytoken|registrytoken)"[ \t]*:[ \t]*"[^"\s]/;
const KUBE_CREDENTIAL = /^[ \t]*(?:-[ \t]+)?["']?(token|client-key-data|password)["']?[ \t]*:[ \t]*(.*)$/gm;
const KIND_CONFIG = /^[ \t]*["']?kind["']?[ \t]*:[ \t]*["']?Config["']?[ \t]*,?[ \t]*(?:#.*)?\r?$/m;
const USERS = /^[ \t]*["']?users["']?[ \t]*:/m;

// `.kube/config` by its name; any other YAML (or JSON) file by what it declares: `kind: Config` and `users:`.
function isKubeconfig(rel: string, base: string, text: string): boolean {
  if (rel === ".kube/config" || rel.endsWith("/.kube/config")) return true;
  if (!/\.(?:ya?ml|json)$|kubeconfig/i.test(base)) return false;
  return text.includes("Config") && KIND_CONFIG.test(text) && USERS.test(text);
}

// The first `key: value` or `key=value` setting matched by `pattern` whose value is neither empty nor a reference.
function firstSetting(text: string, pattern: RegExp): { key: string; line: number } | undefined {
  for (const m of text.matchAll(pattern)) {
    const value = valueOf(m[2].replace(/,\s*$/, ""));
    if (value !== "" && value !== "null" && value !== "~") return { key: m[1], line: lineAt(text, m.index) };
  }
  return undefined;
}

/** Files that only show which variables to set: committed on purpose, with placeholders. */
const ENV_TEMPLATE = /\.(?:example|sample|template|dist)$|(?:^|[._-])(?:example|sample|template|dist)\.env$/i;

// .env, .env.local, config/app.env, and direnv's .envrc (the same `export KEY=value` lines).
function isEnvFile(base: string): boolean {
  if (base === ".env" || base === ".envrc") return true;
  return (base.startsWith(".env.") || (base.endsWith(".env") && base.length > 4)) && !ENV_TEMPLATE.test(base);
}

// Names of variables that hold secrets. A long word anywhere (DB_PASSWORD, SECRET_KEY_BASE, GITHUBTOKEN)...
const SECRET_WORD = /SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY/;
// ...or a short one as the name's last part (SENTRY_DSN, BASIC_AUTH, JWT_SIGNING_KEY; not AUTH_URL, SALT_ROUNDS).
const SECRET_LAST_PART = new Set(["KEY", "KEYS", "PWD", "AUTH", "SALT", "DSN", "SIGNING"]);
// A part after the secret word that makes the variable a setting about the secret, not the secret itself.
const SETTING_PART = new Set(
  "TTL EXPIRY EXPIRES EXPIRE EXPIRATION LIFETIME AGE LENGTH LEN ROUNDS TIMEOUT ENABLED DISABLED REQUIRED HEADER TYPE ALG ALGORITHM URL URI ENDPOINT ISSUER AUDIENCE NAME".split(" "),
);
// Parts naming where the secret is kept (POSTGRES_PASSWORD_FILE=/run/secrets/db): quiet only when the value is a path.
const LOCATION_PART = new Set(["FILE", "PATH", "DIR"]);
// A URL with a password in it: scheme://user:password@host.
const URL_PASSWORD = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/'"]*:([^\s@/'"]+)@[^\s@/'"]/g;

// The first assignment (optionally `export`ed) that gives a secret-named variable a value, or holds a URL password.
function dotenvSecret(text: string): { what: string; line: number } | undefined {
  const assignment = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*(.*)$/gm;
  for (const m of text.matchAll(assignment)) {
    const [, key, raw] = m;
    const value = valueOf(raw);
    if (value === "") continue;
    for (const url of value.matchAll(URL_PASSWORD)) {
      if (!isReference(url[1])) return { what: `${key} holds a URL with a password`, line: lineAt(text, m.index) };
    }
    if (secretName(key, value)) return { what: `${key} is set to a non-empty value`, line: lineAt(text, m.index) };
  }
  return undefined;
}

function secretName(key: string, value: string): boolean {
  const upper = key.toUpperCase();
  const parts = upper.split(/[._-]+/).filter((p) => p !== "");
  if (SECRET_LAST_PART.has(parts[parts.length - 1])) return true;
  const word = SECRET_WORD.exec(upper);
  if (!word) return false;
  const after = upper.slice(word.index + word[0].length).split(/[._-]+/);
  if (after.some((p) => SETTING_PART.has(p))) return false;
  return !(after.some((p) => LOCATION_PART.has(p)) && /^(?:\/|\.\.?\/|~\/)/.test(value));
}

// A reference to another variable with no default or an empty one: `$X`, `${X}`, `${X:?unset}`, `${X:-}`.
const REFERENCE = /\$\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*|:?-)?\}|\$[A-Za-z_][A-Za-z0-9_]*/g;

function isReference(value: string): boolean {
  return value.replace(REFERENCE, "").trim() === "";
}

// A setting's value without its quotes or trailing comment; one made only of references holds no secret itself.
function valueOf(raw: string): string {
  let v = raw.trim();
  const quoted = /^(["'`])(.*)\1$/.exec(v);
  if (quoted) v = quoted[2];
  else v = v.replace(/(?:^|\s+)#.*$/, "");
  v = v.trim();
  return isReference(v) ? "" : v;
}

// One cheap pass decides whether any content rule can fire; most files of a real tree stop here. Case-sensitive and
// grouped by first character: twice as fast as the same alternatives with /i.
const PREFILTER =
  /[Ss](?:ecret|ECRET)_?[Aa](?:ccess|CCESS)_?[Kk](?:ey|EY)|P(?:RIVATE KEY(?:-----| BLOCK-----)|uTTY-User-Key-File)|A(?:[KS]IA[A-Z2-7]{16}|Iza[0-9A-Za-z_-]{35})|g(?:h[pousr]_[A-Za-z0-9]{36}|ithub_pat_|lpat-)|x(?:ox[abposr]|app)-|hooks\.slack\.com|[rs]k_live_|npm_[A-Za-z0-9]{36}|sk-(?:ant-api|proj-)/;

const PEM_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----/g;
/** Key data right after the header: a run of base64 (40 chars is less than one line of a PEM body). */
const KEY_BODY = /^(?:[^A-Za-z0-9+/]|Proc-Type:[^\n]*|DEK-Info:[^\n]*){0,200}?[A-Za-z0-9+/]{40}/;
const PGP_KEY = /-----BEGIN PGP PRIVATE KEY BLOCK-----/g;
/** Armor headers (Version:, Comment:) may come before the key data. */
const PGP_BODY = /^(?:[^A-Za-z0-9+/]|[A-Z][A-Za-z0-9-]*: [^\n]*){0,300}?[A-Za-z0-9+/]{40}/;
const AWS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])/g;
const AWS_SECRET = /aws_?secret_?access_?key["']?[ \t]*(?:=>|[:=])[ \t]*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;

/** Tokens known by their shape: rule, pattern (group 1 is the random part), and what to call one. */
const TOKENS: [rule: string, pattern: RegExp, name: string][] = [
  ["github-token", /(?<![A-Za-z0-9_])(?:gh[pousr]_([A-Za-z0-9]{36,})|github_pat_([A-Za-z0-9_]{22,}))(?![A-Za-z0-9_])/g, "a GitHub token"],
  ["gitlab-token", /(?<![A-Za-z0-9_-])glpat-([A-Za-z0-9_-]{20,})/g, "a GitLab token"],
  ["npm-token", /(?<![A-Za-z0-9_])npm_([A-Za-z0-9]{36})(?![A-Za-z0-9])/g, "an npm token"],
  ["slack-token", /(?<![A-Za-z0-9])(?:xox[abposr]|xapp)-([0-9]+-[0-9A-Za-z-]{20,})/g, "a Slack token"],
  ["slack-webhook", /hooks\.slack\.com\/services\/(T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,})/g, "a Slack webhook URL"],
  ["google-api-key", /(?<![A-Za-z0-9_-])AIza([0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g, "a Google API key"],
  ["stripe-secret-key", /(?<![A-Za-z0-9_])[rs]k_live_([0-9a-zA-Z]{24,})(?![0-9A-Za-z])/g, "a live Stripe key"],
  ["ai-api-key", /(?<![A-Za-z0-9_-])sk-(?:ant-api\d{2}-|proj-)([A-Za-z0-9_-]{32,})/g, "an Anthropic or OpenAI API key"],
];

// Finds the content rules' matches in `text`, at most one per rule. `lineOf`: the file's line number of an index
// of `text`. `limit`: matches starting there or later are left to the next window.
function contentHits(text: string, binary: boolean, hits: Hits, lineOf = (index: number) => lineAt(text, index), limit = Infinity): void {
  if (!PREFILTER.test(text)) return;
  const found = (rule: string, index: number, why: (line: number) => string) => {
    if (index < limit && !hits.has(rule)) hits.set(rule, why(lineOf(index)));
  };
  for (const m of text.matchAll(PEM_KEY)) {
    const body = text.slice(m.index + m[0].length, m.index + m[0].length + 400);
    if (!KEY_BODY.test(body)) continue;
    const openssh = m[1] === "OPENSSH ";
    found(openssh ? "private-key-openssh" : "private-key-pem", m.index, (line) => `${openssh ? "an OpenSSH" : "a PEM"} private key (${m[0]}) at line ${line}`);
  }
  for (const m of text.matchAll(PGP_KEY)) {
    if (PGP_BODY.test(text.slice(m.index + m[0].length, m.index + m[0].length + 600))) found("private-key-pgp", m.index, (line) => `an OpenPGP private key block at line ${line}`);
  }
  const putty = /PuTTY-User-Key-File-[1-3]: /.exec(text);
  if (putty && /Private-Lines: \d+/.test(text)) found("private-key-putty", putty.index, (line) => `a PuTTY private key at line ${line}`);
  if (binary) return;

  for (const m of text.matchAll(AWS_KEY_ID)) {
    // AWS's documentation uses AKIAIOSFODNN7EXAMPLE and the like: not a key anyone can use.
    if (m[0].endsWith("EXAMPLE")) continue;
    found("aws-access-key-id", m.index, (line) => `an AWS access key id ${mask(m[0])} at line ${line}`);
  }
  for (const m of text.matchAll(AWS_SECRET)) {
    if (m[1].endsWith("EXAMPLEKEY")) continue;
    found("aws-secret-access-key", m.index, (line) => `a 40-character AWS secret access key assigned at line ${line}`);
  }
  for (const [rule, pattern, name] of TOKENS) {
    for (const m of text.matchAll(pattern)) {
      // Documentation writes sk_live_xxxx… or glpat-XXXX…: too few distinct characters to be random.
      if (new Set(m[1] ?? m[2]).size < 8) continue;
      found(rule, m.index, (line) => `${name} ${rule === "slack-webhook" ? "" : `${mask(m[0])} `}at line ${line}`);
    }
  }
}

// Enough of a token to find it in the file, not enough to use it.
function mask(secret: string): string {
  return `${secret.slice(0, 4)}…${secret.slice(-4)}`;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf("/");
  return i === -1 ? "" : rel.slice(0, i);
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}
