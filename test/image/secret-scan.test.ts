// The secret scan before an image is sealed: each rule finds its secret in a tiny tree, near misses stay quiet,
// special files are skipped without hanging, and image.yaml's allowSecrets lets paths through.
// Keys and tokens are made at run time (no key-shaped literal in this repo for other scanners to trip on).
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { callInChild } from "../helpers/run-in-child.js";
import { allowMatcher, allowsEverything, scanSecrets, SECRET_RULES, type SecretFinding } from "../../src/image/secret-scan.js";

/** A file's contents, a symlink, or a sparse file: `head` then zeros up to `size` (a 95 MB file without writing it). */
type Entry = string | Buffer | { symlink: string } | { head: string | Buffer; size: number };

function makeTree(files: Record<string, Entry>): string {
  const root = mkdtempSync(join(tmpdir(), "unibox-scan-"));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  for (const [rel, entry] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof entry === "string" || Buffer.isBuffer(entry)) writeFileSync(path, entry);
    else if ("symlink" in entry) symlinkSync(entry.symlink, path);
    else {
      writeFileSync(path, entry.head);
      truncateSync(path, entry.size);
    }
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
const DIGITS = "0123456789";
const HEX = "0123456789abcdef";
const slackUserToken = () => ["xo", "xp-", pick(DIGITS, 12), "-", pick(DIGITS, 12), "-", pick(DIGITS, 13), "-", pick(HEX, 32)].join("");
const slackAppToken = () => ["xa", "pp-1-A", pick(BASE32, 10), "-", pick(DIGITS, 13), "-", pick(HEX, 64)].join("");
const githubAppToken = () => ["gh", "s_", pick(ALNUM, 40)].join("");
const googleKey = () => ["AI", "za", pick(`${ALNUM}_-`, 35)].join("");
const stripeKey = (kind = "sk") => [kind, "_live_", pick(ALNUM, 24)].join("");
const gitlabToken = () => ["gl", "pat-", pick(`${ALNUM}_-`, 20)].join("");
const npmToken = () => ["np", "m_", pick(ALNUM, 36)].join("");
// Shaped like a token, but the random part is one repeated character, as documentation writes them.
const placeholder = (prefix: string, n: number, c = "x") => [prefix, c.repeat(n)].join("");

const ed25519Pem = () => generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const rsaPem = () => generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs1", format: "pem" }) as string;
const ecPem = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }) as string;
const encryptedPem = () =>
  generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }) as string;
// Traditional OpenSSL encryption: Proc-Type and DEK-Info headers before the key data.
const legacyEncryptedPem = () =>
  generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs1", format: "pem", cipher: "aes-128-cbc", passphrase: "pw" }) as string;
const wrap = (b64: string, width: number) => b64.match(new RegExp(`.{1,${width}}`, "g"))!.join("\n");
const pgpArmor = (kind: string) => ["-----BEGIN PGP", `${kind} KEY BLOCK-----`].join(" ");
const pgpEnd = (kind: string) => ["-----END PGP", `${kind} KEY BLOCK-----`].join(" ");
const pgpKey = () =>
  [pgpArmor("PRIVATE"), "Comment: deploy signing key", "", wrap(randomBytes(600).toString("base64"), 64), `=${randomBytes(3).toString("base64")}`, pgpEnd("PRIVATE"), ""].join("\n");
const ed25519Der = () => generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "der" });
const rsaPkcs8Der = () => generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "der" });
const ecPkcs8Der = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "der" });
const rsaPkcs1Der = () => generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs1", format: "der" });
const ecSec1Der = () => generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey.export({ type: "sec1", format: "der" });
const encryptedDer = () =>
  generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "der", cipher: "aes-256-cbc", passphrase: "pw" });
const publicDer = () => generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "der" });
const publicPem = () => generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }) as string;
const jwkPrivate = () => JSON.stringify(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }));
// Lines of minified-looking code, `n` bytes in all: the filler of a large bundle.
const filler = (n: number) => `${"var a=function(b){return b+1};".repeat(2)}\n`.repeat(Math.ceil(n / 61)).slice(0, n);
const opensshKey = () =>
  `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrap(Buffer.concat([Buffer.from("openssh-key-v1\0"), randomBytes(300)]).toString("base64"), 70)}\n-----END OPENSSH PRIVATE KEY-----\n`;
const puttyKey = () =>
  [
    ["PuTTY", "User-Key-File-3: ssh-ed25519"].join("-"), // split: this file must pass the scan itself
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
  { name: "a Slack user token", files: () => ({ "scripts/notify.sh": `curl -H "Authorization: Bearer ${slackUserToken()}" https://slack.com/api/chat.postMessage\n` }), found: [["scripts/notify.sh", "slack-token"]] },
  {
    name: "a Slack app-level token",
    files: () => ({ "apps/bot/socket.js": `const appToken = '${slackAppToken()}';\n` }),
    found: [["apps/bot/socket.js", "slack-token"]],
    secret: (f) => /xa[p]p-[^']+/.exec(f["apps/bot/socket.js"] as string)![0],
  },
  { name: "a GitHub app installation token", files: () => ({ "ci/env.sh": `GH=${githubAppToken()}\n` }), found: [["ci/env.sh", "github-token"]] },
  {
    name: "a Google API key",
    files: () => ({ "apps/web/src/firebase.ts": `export const config = { apiKey: "${googleKey()}", projectId: "demo" };\n` }),
    found: [["apps/web/src/firebase.ts", "google-api-key"]],
    secret: (f) => /AI[z]a[^"]+/.exec(f["apps/web/src/firebase.ts"] as string)![0],
  },
  {
    name: "a live Stripe secret key",
    files: () => ({ "apps/api/billing.py": `stripe.api_key = "${stripeKey()}"\n` }),
    found: [["apps/api/billing.py", "stripe-secret-key"]],
    secret: (f) => /s[k]_live_[^"]+/.exec(f["apps/api/billing.py"] as string)![0],
  },
  { name: "an Anthropic API key in a config file", files: () => ({ "apps/api/ai.js": `const key = "${["sk", "-ant-api03-", pick(ALNUM, 40)].join("")}";\n` }), found: [["apps/api/ai.js", "ai-api-key"]] },
  { name: "an OpenAI project key in a config file", files: () => ({ "apps/api/ai.py": `KEY = '${["sk", "-proj-", pick(ALNUM, 48)].join("")}'\n` }), found: [["apps/api/ai.py", "ai-api-key"]] },
  { name: "a live Stripe restricted key", files: () => ({ "apps/api/billing.rb": `Stripe.api_key = '${stripeKey("rk")}'\n` }), found: [["apps/api/billing.rb", "stripe-secret-key"]] },
  { name: "a GitLab personal access token", files: () => ({ ".gitlab-ci.yml": `variables:\n  TOKEN_FOR_RELEASE: ${gitlabToken()}\n` }), found: [[".gitlab-ci.yml", "gitlab-token"]] },
  { name: "an npm access token", files: () => ({ "scripts/publish.sh": `NPM_TOKEN=${npmToken()} npm publish\n` }), found: [["scripts/publish.sh", "npm-token"]] },
  { name: "a PGP private key block", files: () => ({ "keys/release-signing.asc": pgpKey() }), found: [["keys/release-signing.asc", "private-key-pgp"]] },
  { name: "a DER PKCS#8 Ed25519 key", files: () => ({ "keys/app.der": ed25519Der() }), found: [["keys/app.der", "private-key-der"]] },
  { name: "a DER PKCS#8 RSA key", files: () => ({ "keys/rsa.der": rsaPkcs8Der() }), found: [["keys/rsa.der", "private-key-der"]] },
  { name: "a DER PKCS#8 EC key", files: () => ({ "keys/ec.der": ecPkcs8Der() }), found: [["keys/ec.der", "private-key-der"]] },
  { name: "a DER PKCS#1 RSA key", files: () => ({ "keys/legacy.der": rsaPkcs1Der() }), found: [["keys/legacy.der", "private-key-der"]] },
  { name: "a DER SEC1 EC key", files: () => ({ "keys/sec1.der": ecSec1Der() }), found: [["keys/sec1.der", "private-key-der"]] },
  { name: "an encrypted DER PKCS#8 key", files: () => ({ "keys/enc.der": encryptedDer() }), found: [["keys/enc.der", "private-key-der"]] },
  { name: "a DER key named .key, reported once", files: () => ({ "srv/tls/server.key": rsaPkcs8Der() }), found: [["srv/tls/server.key", "private-key-der"]] },
  ...(["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"] as const).map(
    (name): Row => ({
      name: `an ${name} in a format the content rules do not know`,
      files: () => ({ [`home/dev/.ssh/${name}`]: randomBytes(300) }),
      found: [[`home/dev/.ssh/${name}`, "private-key-file"]],
    }),
  ),
  ...["p12", "pfx", "jks", "keystore"].map(
    (ext): Row => ({ name: `a .${ext} key store`, files: () => ({ [`srv/certs/app.${ext}`]: randomBytes(2000) }), found: [[`srv/certs/app.${ext}`, "private-key-file"]] }),
  ),
  { name: "a .key holding a JWK private key", files: () => ({ "keys/signing.key": jwkPrivate() }), found: [["keys/signing.key", "private-key-file"]] },
  { name: "a .key holding base64 DER without PEM armour", files: () => ({ "keys/bare.key": ed25519Der().toString("base64") }), found: [["keys/bare.key", "private-key-file"]] },
  { name: "a *.env file outside the root", files: () => ({ "config/app.env": "PORT=8080\nDB_PASSWORD=s3cret\n" }), found: [["config/app.env", "dotenv-secret"]] },
  { name: "a direnv .envrc", files: () => ({ "apps/api/.envrc": "use nix\nexport STRIPE_SECRET=abc123\n" }), found: [["apps/api/.envrc", "dotenv-secret"]] },
  { name: "a .env.staging", files: () => ({ "apps/api/.env.staging": "SESSION_SECRET=abc123\n" }), found: [["apps/api/.env.staging", "dotenv-secret"]] },
  ...["DB_PWD", "DB_PASSWD", "REDIS_AUTH", "SENTRY_DSN", "HASH_SALT", "REQUEST_SIGNING", "ENCRYPTION_KEY", "MINIO_ACCESS_KEY", "MAPS_APIKEY", "GCP_CREDENTIALS", "SECRET_KEY_BASE", "private_token"].map(
    (key): Row => ({ name: `a .env setting ${key}`, files: () => ({ ".env": `APP=web\n${key}=${randomBytes(8).toString("hex")}\n` }), found: [[".env", "dotenv-secret"]] }),
  ),
  { name: "a .env password left at a placeholder", files: () => ({ ".env": "DB_PASSWORD=changeme\n" }), found: [[".env", "dotenv-secret"]] },
  { name: "a .env reference with a literal default", files: () => ({ ".env": "DB_PASSWORD=${PG_PASSWORD:-hunter2}\n" }), found: [[".env", "dotenv-secret"]] },
  { name: "a .env URL with a password", files: () => ({ ".env": "DATABASE_URL=postgres://app:s3cret@db:5432/app\n" }), found: [[".env", "dotenv-secret"]] },
  { name: "a .env URL with only a password", files: () => ({ ".env.production": 'CACHE="redis://:pw@cache:6379/0"\n' }), found: [[".env.production", "dotenv-secret"]] },
  { name: "a known token under an innocent name in a .env", files: () => ({ ".env": `BILLING=${stripeKey()}\n` }), found: [[".env", "stripe-secret-key"]] },
  { name: "a .pgpass entry", files: () => ({ "root/.pgpass": "# host:port:db:user:password\ndb:5432:app:app:pw\n" }), found: [["root/.pgpass", "pgpass"]] },
  {
    name: "a Docker config with a registry auth",
    files: () => ({ "root/.docker/config.json": JSON.stringify({ auths: { "registry.example.com": { auth: Buffer.from("dev:pw").toString("base64") } } }, null, 2) }),
    found: [["root/.docker/config.json", "docker-config-auth"]],
  },
  {
    name: "a Docker config with an identity token",
    files: () => ({ "home/ci/.docker/config.json": JSON.stringify({ auths: { "acr.example.io": { identitytoken: randomUUID() } } }) }),
    found: [["home/ci/.docker/config.json", "docker-config-auth"]],
  },
  {
    name: "a .kube/config with a bearer token",
    files: () => ({ "root/.kube/config": `apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: ${randomBytes(24).toString("hex")}\n` }),
    found: [["root/.kube/config", "kubeconfig-credentials"]],
  },
  {
    name: "a kubeconfig YAML anywhere, with a client key",
    files: () => ({
      "deploy/prod-cluster.yaml": `apiVersion: v1\nclusters: []\nkind: Config\nusers:\n  - name: ci\n    user:\n      client-key-data: ${randomBytes(60).toString("base64")}\n`,
    }),
    found: [["deploy/prod-cluster.yaml", "kubeconfig-credentials"]],
  },
  {
    name: "a kubeconfig named so, with a password",
    files: () => ({ "ci/kubeconfig": `kind: Config\nusers:\n- name: basic\n  user:\n    username: admin\n    password: "hunter2"\n` }),
    found: [["ci/kubeconfig", "kubeconfig-credentials"]],
  },
  { name: "a .yarnrc.yml with npmAuthToken", files: () => ({ "apps/web/.yarnrc.yml": `npmRegistryServer: "https://npm.example.com"\nnpmAuthToken: "${randomUUID()}"\n` }), found: [["apps/web/.yarnrc.yml", "yarnrc-auth"]] },
  {
    name: "a .yarnrc.yml with a scope's npmAuthIdent",
    files: () => ({ ".yarnrc.yml": "npmScopes:\n  acme:\n    npmAlwaysAuth: true\n    npmAuthIdent: dev:pw\n" }),
    found: [[".yarnrc.yml", "yarnrc-auth"]],
  },
  {
    name: "an AWS key id and secret past the first MiB of a 2 MB bundle",
    files: () => ({ "dist/bundle.js": `${filler(1_500_000)}var c={accessKeyId:"${awsKeyId()}",aws_secret_access_key:"${awsSecret()}"};\n${filler(500_000)}` }),
    found: [
      ["dist/bundle.js", "aws-access-key-id"],
      ["dist/bundle.js", "aws-secret-access-key"],
    ],
  },
  { name: "a PEM key at the end of a 3 MB log", files: () => ({ "var/log/app.log": `${filler(3_000_000)}${rsaPem()}` }), found: [["var/log/app.log", "private-key-pem"]] },
  { name: "a text file over 64 MiB", files: () => ({ "var/log/huge.log": { head: filler(10_000), size: 65 * 2 ** 20 } }), found: [["var/log/huge.log", "too-large"]] },
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
  { name: "a .env.dist and *.env templates", files: () => ({ ".env.dist": "DB_PASSWORD=changeme\n", "config/app.example.env": "API_KEY=xyz\n", "config/app.env.sample": "SECRET=s\n" }) },
  {
    name: "a .env whose secret-named settings are about the secret, not the secret",
    files: () => ({
      ".env":
        "ACCESS_TOKEN_TTL=3600\nJWT_TOKEN_EXPIRES_IN=1h\nPASSWORD_MIN_LENGTH=12\nTOKEN_URL=https://auth.example.com/oauth/token\nAUTH_URL=https://auth.example.com\n" +
        "SALT_ROUNDS=10\nAPI_KEY_HEADER=X-Api-Key\nPOSTGRES_PASSWORD_FILE=/run/secrets/db\nAWS_SECRET_NAME=prod/api\nAUTHOR=dev\nKEYBOARD=us\n",
    }),
  },
  {
    name: "a .env made only of references",
    files: () => ({ ".env": "DATABASE_URL=postgres://${DB_USER}:${DB_PASSWORD}@db/app\nDB_PASSWORD=${PG_PASSWORD:-}\nAPI_TOKEN=${API_TOKEN:?set API_TOKEN}\nSENTRY_DSN=$DSN\n" }),
  },
  { name: "a .pgpass with only comments", files: () => ({ "root/.pgpass": "# hostname:port:database:username:password\n\n" }) },
  {
    name: "a Docker config with a credential helper and an empty auth",
    files: () => ({ "root/.docker/config.json": JSON.stringify({ auths: { "123.dkr.ecr.eu-west-1.amazonaws.com": {}, "ghcr.io": { auth: "" } }, credsStore: "ecr-login" }) }),
  },
  {
    name: "a kubeconfig that gets its token from an exec plugin",
    files: () => ({ "root/.kube/config": "apiVersion: v1\nkind: Config\nusers:\n- name: eks\n  user:\n    exec:\n      command: aws\n      args: [eks, get-token]\n    token: \"\"\n" }),
  },
  { name: "a ConfigMap with a token key, which is not a kubeconfig", files: () => ({ "deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nusers: []\ndata:\n  token: not-a-secret\n" }) },
  { name: "a .yarnrc.yml whose token comes from the environment", files: () => ({ ".yarnrc.yml": 'npmAuthToken: "${NPM_TOKEN}"\nnpmAlwaysAuth: true\n' }) },
  {
    name: "public keys named like private ones",
    files: () => ({
      "root/.ssh/id_ed25519.pub": `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${pick(ALNUM, 43)} dev\n`,
      "srv/tls/server.key": publicPem(),
      "keys/app.der": publicDer(),
      "root/.ssh/id_rsa": "",
      "srv/certs/empty.p12": "",
    }),
  },
  { name: "a .der of random bytes that starts like a SEQUENCE", files: () => ({ "x.der": Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x00]), randomBytes(300)]) }) },
  {
    name: "tokens written as documentation placeholders",
    files: () => ({
      "docs/tokens.md": [
        placeholder("sk_live_", 24),
        placeholder("glpat-", 20),
        placeholder("npm_", 36, "0"),
        placeholder("AIza", 35, "X"),
        placeholder("ghp_", 36),
        placeholder("xoxb-", 10, "0") + placeholder("-", 24),
        "xoxb-your-bot-token",
      ].join("\n"),
    }),
  },
  { name: "a Stripe test key", files: () => ({ "apps/api/test/billing.test.js": `stripe("${["sk", "_test_", pick(ALNUM, 24)].join("")}");\n` }) },
  { name: "code reading npm's environment", files: () => ({ "lib/npm.js": "const ua = process.env.npm_config_user_agent; const ev = process.env.npm_lifecycle_event;\n" }) },
  { name: "a 95 MB program with NUL bytes early", files: () => ({ "usr/local/bin/node": { head: Buffer.concat([Buffer.from("\x7fELF\x02\x01\x01"), Buffer.alloc(9), randomBytes(4000)]), size: 95_000_000 } }) },
  { name: "a 2 MB bundle with nothing secret in it", files: () => ({ "dist/bundle.js": filler(2_000_000) }) },
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

  it("gives text files over maxFileBytes the content rules only, and skips large binary files", () => {
    const key = ed25519Pem();
    const root = makeTree({
      "big.txt": `${key}${"x".repeat(2000)}`,
      "big/.env": `API_KEY=1\n${"#".repeat(2000)}\n`,
      "big.bin": Buffer.concat([Buffer.from([0]), Buffer.from(key), Buffer.alloc(70_000)]),
      "small.txt": key,
    });
    expect(paths(scanSecrets(root, { maxFileBytes: 1000 }))).toEqual([
      ["big.txt", "private-key-pem"],
      ["small.txt", "private-key-pem"],
    ]);
    // A binary file is searched for keys only while small, whatever the limit.
    expect(paths(scanSecrets(root))).toEqual([
      ["big.txt", "private-key-pem"],
      ["big/.env", "dotenv-secret"],
      ["small.txt", "private-key-pem"],
    ]);
  });

  // A large file is read in windows of maxFileBytes (1 MiB by default), each with the next 4 KiB: a token straddling
  // a window's edge, or the edge of its overlap, must be whole in one window.
  it.each([2 ** 20, 2 ** 20 + 2048, 2 ** 20 + 4096, 2 * 2 ** 20, 2 * 2 ** 20 + 4096])("finds a token across byte %i of a large file", (cut) => {
    const token = githubToken();
    const text = `${filler(cut - 21)}"${token}"${filler(2_300_000 - cut)}`;
    expect(text.indexOf(token)).toBe(cut - 20);
    const findings = scanSecrets(makeTree({ "dist/app.js": text }));
    expect(paths(findings)).toEqual([["dist/app.js", "github-token"]]);
    expect(findings[0].why).toBe(`a GitHub token ${token.slice(0, 4)}…${token.slice(-4)} at line ${text.slice(0, cut).split("\n").length}`);
  });

  it("does not mistake the start of a long identifier cut by a window's end for a key id", () => {
    // The first window ends at byte 1 MiB + 4 KiB: there the 20 characters look like a whole AKIA key id.
    const end = 2 ** 20 + 4096;
    const text = `${filler(end - 21)} ${awsKeyId()}9ZZZZ;\n${filler(100_000)}`;
    expect(scanSecrets(makeTree({ "dist/app.js": text }))).toEqual([]);
  });

  it("says how large a text file too large to scan is", () => {
    const root = makeTree({ "srv/dump.sql": { head: "-- dump\n".repeat(2000), size: 70 * 2 ** 20 } });
    expect(scanSecrets(root)).toEqual([{ path: "srv/dump.sql", rule: "too-large", why: "a 70 MiB text file: the scan reads at most 64 MiB, so it cannot vouch for it" }]);
  });

  it("does not walk the directories skip names, and walks their siblings", () => {
    const root = makeTree({ "opt/unibox/apps/api/id.pem": ed25519Pem(), "opt/unibox/apps/web/id.pem": ed25519Pem() });
    const asked: string[] = [];
    const skip = (rel: string) => (asked.push(rel), rel === "opt/unibox/apps/api");
    expect(paths(scanSecrets(root, { skip }))).toEqual([["opt/unibox/apps/web/id.pem", "private-key-pem"]]);
    expect(asked.sort()).toEqual(["opt", "opt/unibox", "opt/unibox/apps", "opt/unibox/apps/api", "opt/unibox/apps/web"]);
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
    const r = callInChild("/src/image/secret-scan.ts", "scanSecrets", [root]) as { result: SecretFinding[] };
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

describe("allowsEverything", () => {
  it.each([
    [["**"], true],
    [["/**"], true],
    [["**/*"], true],
    [["**/"], true],
    [["*", "*/**"], true],
    [["opt/unibox/apps/web/test/fixtures/tls.pem", "**"], true],
    [[], false],
    [["*"], false],
    [["**/*.pem"], false],
    [["opt/**", "root/**", "etc/**", "home/**"], false],
    [["/"], false],
  ])("says %j lets everything through: %s", (patterns, expected) => {
    expect(allowsEverything(patterns)).toBe(expected);
  });

  it("agrees with the scan: what it calls everything lets every finding through", () => {
    const root = makeTree({ "root/.bash_history": "ls\n", "a.pem": ed25519Pem(), ".env": "TOKEN=1\n" });
    expect(scanSecrets(root, { allow: ["**"] })).toEqual([]);
    expect(paths(scanSecrets(root, { allow: ["**/*.pem"] }))).toEqual([
      [".env", "dotenv-secret"],
      ["root/.bash_history", "shell-history"],
    ]);
  });
});
