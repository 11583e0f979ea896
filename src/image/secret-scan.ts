// The scan that keeps secrets out of an image: run on the tree before it is sealed; the build stops naming each
// finding unless image.yaml's `allowSecrets` lets that path through (DESIGN.md §5).
//
// Two kinds of rules. Name rules flag files that are secret by what they are (`.aws/credentials`, shell history,
// a machine id), each only when it holds something: an empty history or an uninitialised machine-id leaks nothing.
// Content rules look for keys and tokens in regular files up to `maxFileBytes`, skipping binary files (a NUL in
// the first 8 KiB) except small ones, which are still searched for private keys. Each content rule needs more
// than a keyword, so that source code that merely handles keys (a PEM parser, an AWS SDK) does not fire.
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
  "aws-access-key-id": "an AWS access key id (AKIA or ASIA and 16 more characters)",
  "aws-secret-access-key": "a 40-character AWS secret access key assigned to aws_secret_access_key",
  "aws-credentials": "an AWS shared credentials file (.aws/credentials)",
  "git-credentials": "git's stored credentials (.git-credentials)",
  netrc: "a .netrc with a password",
  "npmrc-auth": "an .npmrc holding _authToken, _auth or _password",
  "authorized-keys": "an SSH authorized_keys file with keys in it",
  "shell-history": "a shell or REPL history file",
  "machine-id": "an initialised machine id (etc/machine-id, var/lib/dbus/machine-id): every box would share it",
  "cloud-init-state": "cloud-init state of the builder instance (var/lib/cloud/instance, var/lib/cloud/instances/*)",
  "dotenv-secret": "a .env file assigning a non-empty value to a SECRET/TOKEN/PASSWORD/PRIVATE/API_KEY/CREDENTIAL variable",
  "github-token": "a GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
  "slack-token": "a Slack token (xoxb-, xoxp-, ...)",
  "slack-webhook": "a Slack incoming-webhook URL",
  unreadable: "a file or directory the scan could not read, so cannot vouch for",
};

const DEFAULT_MAX_FILE_BYTES = 1 << 20;
const BINARY_SNIFF_BYTES = 8192;
/** Binary files up to this size are still searched for private keys (a key embedded in a small blob). */
const SMALL_BINARY_BYTES = 64 * 1024;
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Scans `root` (not following symlinks; never opening FIFOs/devices) for what must not be baked; paths relative to root.
 *  `allow`: root-relative paths or globs (image.yaml allowSecrets) that are let through. */
export function scanSecrets(root: string, options: { allow?: string[]; maxFileBytes?: number } = {}): SecretFinding[] {
  const allowed = allowMatcher(options.allow ?? []);
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const buffer = Buffer.allocUnsafe(Math.max(maxFileBytes, BINARY_SNIFF_BYTES));
  const findings: SecretFinding[] = [];
  const report = (path: string, rule: string, why: string) => {
    if (!allowed(path)) findings.push({ path, rule, why });
  };

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
      walkDir(abs, rel, stats.dev, visit, report);
      return;
    }
    if (stats.isFile()) scanFile(abs, rel, stats.size, maxFileBytes, buffer, report);
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
const ENV_TEMPLATES = /\.(?:example|sample|template)$/;

function scanFile(abs: Buffer, rel: string, size: number, maxFileBytes: number, buffer: Buffer, report: Report): void {
  const base = rel.slice(rel.lastIndexOf("/") + 1);
  // Name rules first: they need no read, or only of a small file.
  if (size > 0) {
    if (rel === ".aws/credentials" || rel.endsWith("/.aws/credentials")) report(rel, "aws-credentials", "an AWS shared credentials file");
    if (base === ".git-credentials") report(rel, "git-credentials", "git's stored credentials (URLs with passwords or tokens)");
    if (HISTORY_FILES.has(base)) report(rel, "shell-history", `a history file (${base}): commands typed on the builder, secrets included`);
  }
  if (size === 0 || size > maxFileBytes) return;

  const read = readRegular(abs, size, buffer);
  if (typeof read === "string") {
    report(rel, "unreadable", `cannot be read (${read}): the scan cannot vouch for it`);
    return;
  }
  const bytes = buffer.subarray(0, read);
  const binary = bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
  if (binary && read > SMALL_BINARY_BYTES) return;
  // latin1 maps each byte to one char: the patterns are ASCII, and offsets stay byte offsets.
  const text = bytes.toString("latin1");

  if (!binary) {
    if (base === ".netrc" || base === "_netrc") {
      const at = /(?:^|\s)password\s+\S/.exec(text);
      if (at) report(rel, "netrc", `a .netrc with a password (line ${lineAt(text, at.index)})`);
    }
    if (base === ".npmrc") {
      const at = npmrcAuth(text);
      if (at) report(rel, "npmrc-auth", `an npm auth setting (${at.key}) with a value at line ${at.line}`);
    }
    if (base === "authorized_keys" || base === "authorized_keys2") {
      if (/^[ \t]*[^#\s]/m.test(text)) report(rel, "authorized-keys", "SSH keys that would be let into every box made from the image");
    }
    if (MACHINE_ID_PATHS.has(rel)) {
      const id = text.trim();
      // "uninitialized" is systemd's first-boot marker: the id is generated on the box, as it should be.
      if (id !== "" && id !== "uninitialized") report(rel, "machine-id", "the builder's machine id: every box made from the image would share it; empty the file");
    }
    if (isEnvFile(base)) {
      const at = dotenvSecret(text);
      if (at) report(rel, "dotenv-secret", `${at.key} is set to a non-empty value at line ${at.line}`);
    }
  }
  for (const hit of contentHits(text, binary)) report(rel, hit.rule, hit.why);
}

// Reads a regular file into `buffer` without following a link or blocking on what replaced it; a string is the error code.
function readRegular(abs: Buffer, size: number, buffer: Buffer): number | string {
  let fd: number;
  try {
    fd = openSync(abs, OPEN_FLAGS);
  } catch (err) {
    return codeOf(err);
  }
  try {
    if (!fstatSync(fd).isFile()) return "no longer a regular file";
    let total = 0;
    while (total < size) {
      const n = readSync(fd, buffer, total, size - total, null);
      if (n === 0) break;
      total += n;
    }
    return total;
  } catch (err) {
    return codeOf(err);
  } finally {
    closeSync(fd);
  }
}

function isEnvFile(base: string): boolean {
  return base === ".env" || (base.startsWith(".env.") && !ENV_TEMPLATES.test(base));
}

const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|API_?KEY|CREDENTIAL/i;

// The first `KEY=value` (optionally `export`ed) whose key looks secret and whose value is not empty.
function dotenvSecret(text: string): { key: string; line: number } | undefined {
  const assignment = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=[ \t]*(.*)$/gm;
  for (let m = assignment.exec(text); m; m = assignment.exec(text)) {
    if (!SECRET_NAME.test(m[1])) continue;
    if (valueOf(m[2]) !== "") return { key: m[1], line: lineAt(text, m.index) };
  }
  return undefined;
}

// A dotenv value without its quotes or trailing comment; a bare `${VAR}` reference holds no secret itself.
function valueOf(raw: string): string {
  let v = raw.trim();
  const quoted = /^(["'`])(.*)\1$/.exec(v);
  if (quoted) v = quoted[2];
  else v = v.replace(/(?:^|\s+)#.*$/, "");
  v = v.trim();
  return /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(v) ? "" : v;
}

function npmrcAuth(text: string): { key: string; line: number } | undefined {
  const setting = /^[ \t]*(?:\S*:)?(_authToken|_auth|_password)[ \t]*=[ \t]*(.*)$/gim;
  for (let m = setting.exec(text); m; m = setting.exec(text)) {
    if (valueOf(m[2]) !== "") return { key: m[1], line: lineAt(text, m.index) };
  }
  return undefined;
}

// One cheap pass decides whether any content rule can fire; most files of a real tree stop here.
const PREFILTER = /PRIVATE KEY-----|PuTTY-User-Key-File|A[KS]IA[A-Z2-7]{16}|secret_?access_?key|gh[pousr]_[A-Za-z0-9]{36}|github_pat_|xox[abposr]-|hooks\.slack\.com/i;

const PEM_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----/g;
/** Key data right after the header: a run of base64 (40 chars is less than one line of a PEM body). */
const KEY_BODY = /^(?:[^A-Za-z0-9+/]|Proc-Type:[^\n]*|DEK-Info:[^\n]*){0,200}?[A-Za-z0-9+/]{40}/;
const AWS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])/g;
const AWS_SECRET = /aws_?secret_?access_?key["']?[ \t]*(?:=>|[:=])[ \t]*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;
const GITHUB_TOKEN = /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])/g;
const SLACK_TOKEN = /(?<![A-Za-z0-9])xox[abposr]-[0-9]{6,}-[0-9A-Za-z-]{8,}/g;
const SLACK_WEBHOOK = /hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,}/g;

function contentHits(text: string, binary: boolean): { rule: string; why: string }[] {
  if (!PREFILTER.test(text)) return [];
  const hits: { rule: string; why: string }[] = [];
  const first = (rule: string, why: string) => {
    if (!hits.some((h) => h.rule === rule)) hits.push({ rule, why });
  };
  for (const m of text.matchAll(PEM_KEY)) {
    const body = text.slice(m.index + m[0].length, m.index + m[0].length + 400);
    if (!KEY_BODY.test(body)) continue;
    const openssh = m[1] === "OPENSSH ";
    first(openssh ? "private-key-openssh" : "private-key-pem", `${openssh ? "an OpenSSH" : "a PEM"} private key (${m[0]}) at line ${lineAt(text, m.index)}`);
  }
  const putty = /PuTTY-User-Key-File-[1-3]: /.exec(text);
  if (putty && /Private-Lines: \d+/.test(text)) first("private-key-putty", `a PuTTY private key at line ${lineAt(text, putty.index)}`);
  if (binary) return hits;

  for (const m of text.matchAll(AWS_KEY_ID)) {
    // AWS's documentation uses AKIAIOSFODNN7EXAMPLE and the like: not a key anyone can use.
    if (m[0].endsWith("EXAMPLE")) continue;
    first("aws-access-key-id", `an AWS access key id ${mask(m[0])} at line ${lineAt(text, m.index)}`);
  }
  for (const m of text.matchAll(AWS_SECRET)) {
    if (m[1].endsWith("EXAMPLEKEY")) continue;
    first("aws-secret-access-key", `a 40-character AWS secret access key assigned at line ${lineAt(text, m.index)}`);
  }
  for (const m of text.matchAll(GITHUB_TOKEN)) first("github-token", `a GitHub token ${mask(m[0])} at line ${lineAt(text, m.index)}`);
  for (const m of text.matchAll(SLACK_TOKEN)) first("slack-token", `a Slack token ${m[0].slice(0, 5)}… at line ${lineAt(text, m.index)}`);
  for (const m of text.matchAll(SLACK_WEBHOOK)) first("slack-webhook", `a Slack webhook URL at line ${lineAt(text, m.index)}`);
  return hits;
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
