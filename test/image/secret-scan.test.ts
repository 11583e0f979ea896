// The secret scan before an image is sealed: each rule finds its secret in a tiny tree, near misses stay quiet,
// special files are skipped without hanging, and image.yaml's allowSecrets lets paths through.
// Keys and tokens are made at run time (no key-shaped literal in this repo for other scanners to trip on).
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { allowMatcher, scanSecrets, SECRET_RULES, type SecretFinding } from "../../src/image/secret-scan.js";

type Entry = string | Buffer | { symlink: string };

function makeTree(files: Record<string, Entry>): string {
  const root = mkdtempSync(join(tmpdir(), "unibox-scan-"));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  for (const [rel, entry] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof entry === "string" || Buffer.isBuffer(entry)) writeFileSync(path, entry);
    else symlinkSync(entry.symlink, path);
  }
  return root;
}

const pick = (alphabet: string, n: number) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join("");
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64 = `${ALNUM}+/`;

const awsKeyId = (prefix = "AKIA") => prefix + pick(BASE32, 16);
const awsSecret = () => pick(BASE64, 40);
const githubToken = () => ["gh", "p_", pick(ALNUM, 36)].join("");
const githubPat = () => ["github", "_pat_", pick(`${ALNUM}_`, 82)].join("");
const slackToken = () => ["xo", "xb-", pick("0123456789", 12), "-", pick("0123456789", 13), "-", pick(ALNUM, 24)].join("");
const slackWebhook = () => `https://hooks.slack.com/services/T${pick(BASE32, 8)}/B${pick(BASE32, 10)}/${pick(ALNUM, 24)}`;

const ed25519Pem = () => generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const rsaPem = () => generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs1", format: "pem" }) as string;
const ecPem = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }) as string;
const encryptedPem = () =>
  generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }) as string;
// Traditional OpenSSL encryption: Proc-Type and DEK-Info headers before the key data.
const legacyEncryptedPem = () =>
  generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs1", format: "pem", cipher: "aes-128-cbc", passphrase: "pw" }) as string;
const wrap = (b64: string, width: number) => b64.match(new RegExp(`.{1,${width}}`, "g"))!.join("\n");
const opensshKey = () =>
  `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrap(Buffer.concat([Buffer.from("openssh-key-v1\0"), randomBytes(300)]).toString("base64"), 70)}\n-----END OPENSSH PRIVATE KEY-----\n`;
const puttyKey = () =>
  [
    "PuTTY-User-Key-File-3: ssh-ed25519",
    "Encryption: none",
    "Comment: eddsa-key-20240101",
    "Public-Lines: 2",
    wrap(randomBytes(51).toString("base64"), 64),
    "Private-Lines: 1",
    randomBytes(36).toString("base64"),
    `Private-MAC: ${randomBytes(32).toString("hex")}`,
    "",
  ].join("\n");

const paths = (findings: SecretFinding[]) => findings.map((f) => [f.path, f.rule]);

interface Row {
  name: string;
  files: () => Record<string, Entry>;
  found: [path: string, rule: string][];
  /** Bits of the secret that must not appear in what the scan reports. */
  secret?: (files: Record<string, Entry>) => string;
}

// One row per rule (several for rules with variants); each tree holds exactly the findings listed.
const rules: Row[] = [
  { name: "a PKCS#8 PEM private key", files: () => ({ "srv/tls/key.pem": ed25519Pem() }), found: [["srv/tls/key.pem", "private-key-pem"]] },
  { name: "an RSA PEM private key", files: () => ({ "id_rsa": rsaPem() }), found: [["id_rsa", "private-key-pem"]] },
  { name: "an EC PEM private key", files: () => ({ "ec.key": ecPem() }), found: [["ec.key", "private-key-pem"]] },
  { name: "an encrypted PKCS#8 private key", files: () => ({ "enc.pem": encryptedPem() }), found: [["enc.pem", "private-key-pem"]] },
  { name: "a legacy encrypted PEM key with Proc-Type headers", files: () => ({ "old.pem": legacyEncryptedPem() }), found: [["old.pem", "private-key-pem"]] },
  {
    name: "a test fixture key inside a library's test folder, as a JS string with \\n escapes",
    files: () => ({ "node_modules/lib/test/fixtures.js": `exports.key = ${JSON.stringify(rsaPem())};\n` }),
    found: [["node_modules/lib/test/fixtures.js", "private-key-pem"]],
  },
  {
    name: "a PEM key inside a small binary file",
    files: () => ({ "blob.bin": Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(ed25519Pem()), Buffer.alloc(64)]) }),
    found: [["blob.bin", "private-key-pem"]],
  },
  { name: "an OpenSSH private key", files: () => ({ "home/dev/.ssh/id_ed25519": opensshKey() }), found: [["home/dev/.ssh/id_ed25519", "private-key-openssh"]] },
  { name: "a PuTTY private key", files: () => ({ "keys/deploy.ppk": puttyKey() }), found: [["keys/deploy.ppk", "private-key-putty"]] },
  {
    name: "an AWS access key id (AKIA)",
    files: () => ({ "apps/api/config.js": `module.exports = { accessKeyId: "${awsKeyId()}" };\n` }),
    found: [["apps/api/config.js", "aws-access-key-id"]],
    secret: (f) => /A[KS]IA[A-Z2-7]{16}/.exec(f["apps/api/config.js"] as string)![0],
  },
  { name: "an AWS session key id (ASIA)", files: () => ({ "env.sh": `export AWS_ACCESS_KEY_ID=${awsKeyId("ASIA")}\n` }), found: [["env.sh", "aws-access-key-id"]] },
  {
    name: "an AWS secret access key in an ini file",
    files: () => ({ "etc/app/settings.ini": `[aws]\naws_secret_access_key = ${awsSecret()}\n` }),
    found: [["etc/app/settings.ini", "aws-secret-access-key"]],
    secret: (f) => (f["etc/app/settings.ini"] as string).split(" = ")[1].trim(),
  },
  {
    name: "an AWS secret access key in YAML",
    files: () => ({ "deploy.yml": `env:\n  AWS_SECRET_ACCESS_KEY: "${awsSecret()}"\n` }),
    found: [["deploy.yml", "aws-secret-access-key"]],
  },
  { name: "an AWS credentials file", files: () => ({ "root/.aws/credentials": "[default]\nregion = eu-west-1\n" }), found: [["root/.aws/credentials", "aws-credentials"]] },
  { name: "git's stored credentials", files: () => ({ "home/dev/.git-credentials": "https://dev:pw@github.com\n" }), found: [["home/dev/.git-credentials", "git-credentials"]] },
  { name: "a .netrc with a password", files: () => ({ "root/.netrc": "machine api.example.com\n  login dev\n  password pw\n" }), found: [["root/.netrc", "netrc"]] },
  { name: "an .npmrc with an _authToken", files: () => ({ "apps/api/.npmrc": "//registry.npmjs.org/:_authToken=npm_0123456789\n" }), found: [["apps/api/.npmrc", "npmrc-auth"]] },
  { name: "an .npmrc with _auth", files: () => ({ ".npmrc": "registry=https://npm.example.com/\n_auth=ZGV2OnB3\n" }), found: [[".npmrc", "npmrc-auth"]] },
  { name: "an .npmrc with _password", files: () => ({ ".npmrc": "//npm.example.com/:username=dev\n//npm.example.com/:_password=cHc=\n" }), found: [[".npmrc", "npmrc-auth"]] },
  {
    name: "an authorized_keys file",
    files: () => ({ "home/admin/.ssh/authorized_keys": `# builder\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${pick(ALNUM, 43)} admin\n` }),
    found: [["home/admin/.ssh/authorized_keys", "authorized-keys"]],
  },
  ...[".bash_history", ".zsh_history", ".sh_history", ".python_history", ".psql_history", ".mysql_history", ".node_repl_history"].map(
    (name): Row => ({ name: `a ${name}`, files: () => ({ [`root/${name}`]: "ls\n" }), found: [[`root/${name}`, "shell-history"]] }),
  ),
  { name: "an initialised etc/machine-id", files: () => ({ "etc/machine-id": `${randomBytes(16).toString("hex")}\n` }), found: [["etc/machine-id", "machine-id"]] },
  { name: "an initialised dbus machine-id", files: () => ({ "var/lib/dbus/machine-id": `${randomBytes(16).toString("hex")}\n` }), found: [["var/lib/dbus/machine-id", "machine-id"]] },
  {
    name: "cloud-init's instance state, once per instance",
    files: () => ({
      "var/lib/cloud/instances/i-0abc/user-data.txt": "#!/bin/sh\n",
      "var/lib/cloud/instances/i-0abc/sem/config_ssh": "",
      "var/lib/cloud/instance": { symlink: "/var/lib/cloud/instances/i-0abc" },
      "var/lib/cloud/data/status.json": "{}\n",
    }),
    found: [
      ["var/lib/cloud/instance", "cloud-init-state"],
      ["var/lib/cloud/instances/i-0abc", "cloud-init-state"],
    ],
  },
  { name: "a .env with a password", files: () => ({ "apps/api/.env": "PORT=3000\nDATABASE_PASSWORD=hunter2\n" }), found: [["apps/api/.env", "dotenv-secret"]] },
  {
    name: "a .env.production with an exported, quoted API key",
    files: () => ({ "apps/web/.env.production": "export STRIPE_API_KEY='sk_live_0123'\n" }),
    found: [["apps/web/.env.production", "dotenv-secret"]],
  },
  { name: "a .env.local with a token", files: () => ({ ".env.local": "GITHUB_TOKEN = abc # mine\n" }), found: [[".env.local", "dotenv-secret"]] },
  {
    name: "a GitHub personal access token",
    files: () => ({ "scripts/release.sh": `curl -H "Authorization: token ${githubToken()}" https://api.github.com\n` }),
    found: [["scripts/release.sh", "github-token"]],
    secret: (f) => /gh[p]_[A-Za-z0-9]{36}/.exec(f["scripts/release.sh"] as string)![0],
  },
  { name: "a fine-grained GitHub token", files: () => ({ "ci.json": `{"token": "${githubPat()}"}\n` }), found: [["ci.json", "github-token"]] },
  {
    name: "a Slack bot token",
    files: () => ({ "apps/bot/config.py": `SLACK = "${slackToken()}"\n` }),
    found: [["apps/bot/config.py", "slack-token"]],
    secret: (f) => /xox[b]-\S+(?=")/.exec(f["apps/bot/config.py"] as string)![0],
  },
  { name: "a Slack webhook URL", files: () => ({ "alerts.yaml": `url: ${slackWebhook()}\n` }), found: [["alerts.yaml", "slack-webhook"]] },
];

// Each of these looks like a rule's target to a naive scanner, and is not.
const nearMisses: { name: string; files: () => Record<string, Entry> }[] = [
  { name: "a .env.example, .env.sample and .env.template", files: () => ({ ".env.example": "DB_PASSWORD=changeme\n", ".env.sample": "API_KEY=xyz\n", ".env.template": "SECRET=s\n" }) },
  { name: "a .env whose secret variables are empty", files: () => ({ ".env": "DB_PASSWORD=\nAPI_KEY=''\nSECRET=\"\"\nTOKEN= # set in CI\n" }) },
  { name: "a .env that only refers to another variable", files: () => ({ ".env": "DB_PASSWORD=${POSTGRES_PASSWORD}\nAPI_KEY=$API_KEY_FROM_VAULT\n" }) },
  { name: "a .env with no secret-looking names", files: () => ({ ".env": "PORT=3000\nDATABASE_URL=postgres://localhost/app\n# SECRET=old\n" }) },
  { name: "a file mentioning PRIVATE KEY in prose", files: () => ({ "README.md": "Put your -----BEGIN RSA PRIVATE KEY----- file in /etc/app; never commit your PRIVATE KEY.\n" }) },
  {
    name: "a PEM parser's source code",
    files: () => ({
      "node_modules/pem/lib/parse.js":
        'const HEADER = "-----BEGIN RSA PRIVATE KEY-----";\nconst FOOTER = "-----END RSA PRIVATE KEY-----";\nif (line === HEADER) { inKey = true; }\n' +
        "const OPENSSH = b'-----BEGIN OPENSSH PRIVATE KEY-----'\n",
    }),
  },
  { name: "a documented example key with placeholder data", files: () => ({ "docs/config.md": 'key="-----BEGIN PRIVATE KEY-----\\nXXXX\\nXXXX\\n-----END PRIVATE KEY-----"\n' }) },
  { name: "AKIA in a shorter string", files: () => ({ "notes.txt": "the AKIA1234 prefix and AKIAXYZ are key ids cut short\n" }) },
  { name: "AKIA inside a longer identifier", files: () => ({ "min.js": `var x="Z${awsKeyId()}";var y="${awsKeyId()}9";\n` }) },
  { name: "AWS's documented example key ids and secrets", files: () => ({ "docs/aws.md": "AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n" }) },
  { name: "code that reads the AWS secret from the environment", files: () => ({ "src/aws.js": "const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;\n" }) },
  { name: "an empty machine-id", files: () => ({ "etc/machine-id": "", "var/lib/dbus/machine-id": "" }) },
  { name: "a machine-id left uninitialized for first boot", files: () => ({ "etc/machine-id": "uninitialized\n" }) },
  { name: "a machine-id outside the root's etc", files: () => ({ "srv/docs/machine-id": `${randomBytes(16).toString("hex")}\n` }) },
  { name: "an empty history file", files: () => ({ "root/.bash_history": "" }) },
  { name: "a history file linked to /dev/null", files: () => ({ "root/.bash_history": { symlink: "/dev/null" } }) },
  { name: "an .npmrc whose token comes from the environment", files: () => ({ ".npmrc": "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\nregistry=https://registry.npmjs.org/\n" }) },
  { name: "an authorized_keys with only comments", files: () => ({ "root/.ssh/authorized_keys": "# keys are added by cloud-init at boot\n\n" }) },
  { name: "an empty .aws/credentials", files: () => ({ "root/.aws/credentials": "" }) },
  { name: "a .netrc without a password", files: () => ({ "root/.netrc": "machine example.com login anonymous\n" }) },
  { name: "a GitHub token prefix without a token", files: () => ({ "src/gh.js": 'if (t.startsWith("ghp_") || t.startsWith("github_pat_")) kind = "pat";\n' }) },
  { name: "cloud-init's data outside instances", files: () => ({ "var/lib/cloud/data/status.json": "{}\n", "var/lib/cloud/scripts/per-boot/x.sh": "#!/bin/sh\n" }) },
];

describe("scanSecrets", () => {
  it.each(rules.map((r): [string, Row] => [r.name, r]))("finds %s", (_name, row) => {
    const files = row.files();
    const findings = scanSecrets(makeTree(files));
    expect(paths(findings)).toEqual(row.found);
    for (const f of findings) expect(f.why).toMatch(/\S/);
    if (row.secret) expect(JSON.stringify(findings)).not.toContain(row.secret(files));
  });

  it.each(nearMisses.map((r): [string, (typeof nearMisses)[number]] => [r.name, r]))("does not flag %s", (_name, row) => {
    expect(scanSecrets(makeTree(row.files()))).toEqual([]);
  });

  it("has an entry in SECRET_RULES for every rule the table exercises", () => {
    for (const row of rules) for (const [, rule] of row.found) expect(Object.keys(SECRET_RULES)).toContain(rule);
  });

  it("says where a finding is, masking the key id", () => {
    const id = awsKeyId();
    const [finding] = scanSecrets(makeTree({ "apps/api/config.js": `// config\n\nconst id = "${id}";\n` }));
    expect(finding).toEqual({ path: "apps/api/config.js", rule: "aws-access-key-id", why: `an AWS access key id ${id.slice(0, 4)}…${id.slice(-4)} at line 3` });
  });

  it("reports each rule once per file, with every rule that fired, sorted by path", () => {
    const text = `${ed25519Pem()}${ed25519Pem()}id=${awsKeyId()}\nid2=${awsKeyId()}\n`;
    const findings = scanSecrets(makeTree({ "z.txt": text, "a/.env": "API_KEY=1\n" }));
    expect(paths(findings)).toEqual([
      ["a/.env", "dotenv-secret"],
      ["z.txt", "aws-access-key-id"],
      ["z.txt", "private-key-pem"],
    ]);
  });

  it("does not read text files larger than maxFileBytes, nor large binary files", () => {
    const key = ed25519Pem();
    const root = makeTree({
      "big.txt": `${key}${"x".repeat(2000)}`,
      "big.bin": Buffer.concat([Buffer.from([0]), Buffer.from(key), Buffer.alloc(70_000)]),
      "small.txt": key,
    });
    expect(paths(scanSecrets(root, { maxFileBytes: 1000 }))).toEqual([["small.txt", "private-key-pem"]]);
    // A binary file is searched for keys only while small, whatever the limit.
    expect(paths(scanSecrets(root))).toEqual([
      ["big.txt", "private-key-pem"],
      ["small.txt", "private-key-pem"],
    ]);
  });

  it("skips FIFOs, devices and links to /dev/zero without opening them", () => {
    const root = makeTree({
      "keys/zero.pem": { symlink: "/dev/zero" },
      "root/.env": { symlink: "/dev/zero" },
      "var/lib/dbus/machine-id": { symlink: "/dev/urandom" },
      "real/key.pem": ed25519Pem(),
    });
    execFileSync("mkfifo", [join(root, ".env"), join(root, "keys/id_rsa"), join(root, "root/.bash_history")]);
    if (process.getuid?.() === 0) execFileSync("mknod", [join(root, "keys/zero"), "c", "1", "5"]);
    // In a child with a time limit: a regression that opens a FIFO blocks forever, one that reads /dev/zero never ends.
    const started = Date.now();
    const r = inChild("/src/image/secret-scan.ts", "scanSecrets", [root]) as { result: SecretFinding[] };
    expect(r.result.map((f) => [f.path, f.rule])).toEqual([["real/key.pem", "private-key-pem"]]);
    expect(Date.now() - started).toBeLessThan(8000);
  });
});

describe("allowSecrets", () => {
  const tree = () =>
    makeTree({
      "opt/unibox/apps/api/node_modules/lib/test/key.pem": ed25519Pem(),
      "opt/unibox/apps/api/node_modules/lib/test/deep/other.pem": ed25519Pem(),
      "opt/unibox/apps/web/test/fixtures/tls.pem": ed25519Pem(),
      "root/.bash_history": "ls\n",
    });
  const all = [
    "opt/unibox/apps/api/node_modules/lib/test/deep/other.pem",
    "opt/unibox/apps/api/node_modules/lib/test/key.pem",
    "opt/unibox/apps/web/test/fixtures/tls.pem",
    "root/.bash_history",
  ];

  it.each([
    ["an exact path", ["opt/unibox/apps/web/test/fixtures/tls.pem"], ["opt/unibox/apps/web/test/fixtures/tls.pem"]],
    ["an exact path written with a leading slash", ["/root/.bash_history"], ["root/.bash_history"]],
    ["a directory prefix", ["opt/unibox/apps/api/node_modules/lib/"], all.slice(0, 2)],
    ["a glob with *", ["opt/unibox/apps/*/test/fixtures/*.pem"], ["opt/unibox/apps/web/test/fixtures/tls.pem"]],
    ["a glob with **", ["**/test/**/*.pem"], all.slice(0, 3)],
    ["a glob ending in /**", ["opt/unibox/apps/api/**"], all.slice(0, 2)],
  ])("lets through %s", (_name, allow, letThrough) => {
    const found = scanSecrets(tree(), { allow }).map((f) => f.path);
    expect(found).toEqual(all.filter((p) => !letThrough.includes(p)));
  });

  it.each([
    ["*.pem", "key.pem", true],
    ["*.pem", "a/key.pem", false],
    ["a/*/c", "a/b/c", true],
    ["a/*/c", "a/b/x/c", false],
    ["a/**/c", "a/c", true],
    ["a/**/c", "a/b/x/c", true],
    ["a/**", "a/b/c", true],
    ["a/**", "ab/c", false],
    ["**", "anything/at/all", true],
    ["a.b", "axb", false],
    ["a/", "a/b", true],
    ["a/", "ab", false],
    ["a", "a/b", false],
    ["(x)+/*", "(x)+/y", true],
  ])("matches %j against %j: %s", (pattern, path, expected) => {
    expect(allowMatcher([pattern])(path)).toBe(expected);
  });
});

const REPO = fileURLToPath(new URL("../..", import.meta.url));

// Calls `fn(...args)` of a source module in a child node (vite loads the TypeScript), killed after 10 s and held
// to 1 GiB of data, so that reading /dev/zero fails the test instead of the machine.
function inChild(modulePath: string, fn: string, args: unknown[]): unknown {
  const script = `
const { createServer } = await import("vite");
const server = await createServer({ configFile: false, logLevel: "silent", appType: "custom", cacheDir: process.env.CACHE,
  optimizeDeps: { noDiscovery: true, include: [] }, server: { middlewareMode: true, hmr: false, ws: false } });
let out;
try {
  const m = await server.ssrLoadModule(${JSON.stringify(modulePath)});
  try { out = { result: m[${JSON.stringify(fn)}](...JSON.parse(process.env.ARGS)) }; }
  catch (e) { out = { error: { name: e.name, message: e.message } }; }
} finally { await server.close(); }
process.stdout.write(JSON.stringify(out));`;
  const cache = mkdtempSync(join(tmpdir(), "unibox-vite-"));
  onTestFinished(() => rmSync(cache, { recursive: true, force: true }));
  const r = spawnSync("prlimit", [`--data=${1024 ** 3}`, "timeout", "--signal=KILL", "10", process.execPath, "--input-type=module", "-e", script], {
    cwd: REPO,
    env: { ...process.env, CACHE: cache, ARGS: JSON.stringify(args) },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`the child ${r.signal || r.status === 137 ? "was killed: it hung past 10 s or ran out of memory" : `exited ${r.status}`}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
