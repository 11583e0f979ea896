// Every kind of broken stack definition: `unibox validate` exits 2 and points at the right place with a useful message.
import { describe, expect, it } from "vitest";
import { StackError } from "../../src/stack/diagnostic.js";
import { loadStack } from "../../src/stack/load.js";
import { runValidate, writeStack, type StackFile } from "../helpers/stack-dir.js";

interface BrokenCase {
  name: string;
  files: Record<string, StackFile>;
  /** The `file:line:col` the one diagnostic must start with. */
  at: string;
  /** A distinctive part of its message. */
  message: string;
}

const role = (yaml: string) => ({ "roles/api.yaml": yaml });
const POSTGRES = { "roles/postgres.yaml": "modes: [review]\ncommand: ./postgres\nport: 5432\n" };
const IMAGE_REPO = "repos:\n  - name: api\n    url: ./apps/api\n";
// Each level holds nine of the one before: 9^6 strings once expanded.
const BILLION_LAUGHS = [
  "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
  ..."bcdef".split("").map((x, i) => `${x}: &${x} [${Array(9).fill(`*${"abcdef"[i]}`).join(", ")}]`),
  "command: x",
  "",
].join("\n");
// The longest value a 4-character variable can hold: "NAME=value" and its NUL in 131072 bytes.
const LONGEST_FOR_4 = 131_072 - 4 - 2;

const cases: BrokenCase[] = [
  // Unknown keys, with the key most likely meant.
  {
    name: "reports an unknown top-level key with the key it most likely meant",
    files: role("repo: api\ncommand: node server.js\nport: 3000\nreplica: 2\n"),
    at: "roles/api.yaml:4:1",
    message: 'unknown key "replica" (did you mean "replicas"?)',
  },
  {
    name: "reports an unknown key inside a component with the key it most likely meant",
    files: role("components:\n  web:\n    command: node web.js\n    replica: 2\n"),
    at: "roles/api.yaml:4:5",
    message: 'unknown key "replica" (did you mean "replicas"?); expected one of: command, replicas, port, health, stop',
  },
  {
    name: "reports an unknown key inside health with the key it most likely meant",
    files: role("command: x\nport: 3000\nhealth:\n  http: /health\n  timout: 2s\n"),
    at: "roles/api.yaml:5:3",
    message: 'unknown key "timout" (did you mean "timeout"?)',
  },
  {
    name: "reports an unknown key inside stop with the key it most likely meant",
    files: role("command: x\nstop: { signl: TERM }\n"),
    at: "roles/api.yaml:2:9",
    message: 'unknown key "signl" (did you mean "signal"?)',
  },
  {
    name: "reports an unknown key in a replicas map",
    files: role("command: x\nreplicas: { count: 2 }\n"),
    at: "roles/api.yaml:2:13",
    message: 'unknown key "count"',
  },
  {
    name: "reports a per-mode replicas map with a key that is not a mode",
    files: role("command: x\nreplicas: { review: 1, prod: 2 }\n"),
    at: "roles/api.yaml:2:24",
    message: 'unknown key "prod"',
  },

  // Wrong types and out-of-range values.
  {
    name: "reports a command that is a number",
    files: role("command: 42\n"),
    at: "roles/api.yaml:1:10",
    message: "the command line to run, found 42",
  },
  {
    name: "reports a port written as a string",
    files: role('command: x\nport: "3000"\n'),
    at: "roles/api.yaml:2:7",
    message: 'port: expected a number, found "3000"',
  },
  {
    name: "reports a port above 65535",
    files: role("command: x\nport: 70000\n"),
    at: "roles/api.yaml:2:7",
    message: "port: expected a number at most 65535, found 70000",
  },
  {
    name: "reports port 0",
    files: role("command: x\nport: 0\n"),
    at: "roles/api.yaml:2:7",
    message: "port: expected a number at least 1, found 0",
  },
  {
    name: "reports a negative replica count",
    files: role("command: x\nreplicas: -1\n"),
    at: "roles/api.yaml:2:11",
    message: "replicas: expected a number at least 0, found -1",
  },
  {
    name: "reports a replica count that is not a whole number",
    files: role("command: x\nreplicas: 1.5\n"),
    at: "roles/api.yaml:2:11",
    message: "replicas: expected a whole number, { perCpu: N, min?, max? } or a map of modes (review, staging, production), found 1.5",
  },
  {
    name: "reports a replica count written as a word",
    files: role("command: x\nreplicas: two\n"),
    at: "roles/api.yaml:2:11",
    message: 'found "two"',
  },
  {
    name: "reports a negative replica count for one mode at that mode",
    files: role("command: x\nreplicas: { review: -1 }\n"),
    at: "roles/api.yaml:2:21",
    message: "replicas.review: expected a number at least 0, found -1",
  },
  {
    name: "reports a per-CPU rule whose max is below its min",
    files: role("command: x\nreplicas: { perCpu: 1, min: 4, max: 2 }\n"),
    at: "roles/api.yaml:2:11",
    message: "replicas: max (2) is below min (4)",
  },
  {
    name: "reports a per-CPU rule of one mode whose max is below its min at that mode",
    files: role("command: x\nreplicas:\n  production: { perCpu: 1, min: 4, max: 2 }\n"),
    at: "roles/api.yaml:3:15",
    message: "replicas: max (2) is below min (4)",
  },
  // Replica counts one box cannot run: a billion validated, then plan and boot ran out of memory.
  {
    name: "reports a replica count above 1000, the most one box runs, and what to do instead",
    files: role("command: x\nreplicas: 1000000000\n"),
    at: "roles/api.yaml:2:11",
    message:
      "replicas: expected a number at most 1000, found 1000000000; one box runs at most 1000 replicas of a component; for more, run more boxes (raise the Auto Scaling group's capacity)",
  },
  {
    name: "reports a replica count of 1001",
    files: role("command: x\nreplicas: 1001\n"),
    at: "roles/api.yaml:2:11",
    message: "replicas: expected a number at most 1000, found 1001; one box runs at most 1000 replicas",
  },
  {
    name: "reports replicas per CPU above 64",
    files: role("command: x\nreplicas: { perCpu: 1000000 }\n"),
    at: "roles/api.yaml:2:21",
    message: "replicas.perCpu: expected a number at most 64, found 1000000; one box runs at most 64 replicas per vCPU; for more, run more boxes or bigger ones",
  },
  {
    name: "reports a per-CPU min above 1000",
    files: role("command: x\nreplicas: { perCpu: 1, min: 5000 }\n"),
    at: "roles/api.yaml:2:29",
    message: "replicas.min: expected a number at most 1000, found 5000; one box runs at most 1000 replicas",
  },
  {
    name: "reports a per-CPU max above 1000",
    files: role("command: x\nreplicas: { perCpu: 1, max: 1001 }\n"),
    at: "roles/api.yaml:2:29",
    message: "replicas.max: expected a number at most 1000, found 1001; one box runs at most 1000 replicas",
  },
  {
    name: "reports a replica count above 1000 for one mode at that mode",
    files: role("command: x\nreplicas: { review: 1, production: 1000000000 }\n"),
    at: "roles/api.yaml:2:36",
    message: "replicas.production: expected a number at most 1000, found 1000000000; one box runs at most 1000 replicas",
  },
  {
    name: "reports replicas per CPU above 64 for one mode at that mode",
    files: role("command: x\nreplicas:\n  production: { perCpu: 65, max: 8 }\n"),
    at: "roles/api.yaml:3:25",
    message: "replicas.production.perCpu: expected a number at most 64, found 65",
  },
  {
    name: "reports a replica count above 1000 inside a component",
    files: role("components:\n  web:\n    command: x\n    replicas: 1000000000\n"),
    at: "roles/api.yaml:4:15",
    message: "components.web.replicas: expected a number at most 1000, found 1000000000",
  },
  {
    name: "reports replica ports that run past 65535",
    files: role("command: x\nport: 65535\nreplicas: 2\n"),
    at: "roles/api.yaml:2:7",
    message: "api.main: replica ports run to 65536, past 65535",
  },

  // Commands that cannot run.
  {
    name: "reports a command holding a NUL byte, which would cut it short",
    files: role('command: "node\\0server.js"\n'),
    at: "roles/api.yaml:1:10",
    message: 'command: expected a command line, found a NUL byte ("\\0") in it',
  },
  {
    name: "reports a command of only blanks",
    files: role('command: "   "\n'),
    at: "roles/api.yaml:1:10",
    message: "command: expected a command line, found only blanks",
  },
  {
    name: "reports a component's command of only blanks at that component",
    files: role('components:\n  web:\n    command: "\\t "\n'),
    at: "roles/api.yaml:3:14",
    message: "components.web.command: expected a command line, found only blanks",
  },
  {
    name: "reports an empty component command",
    files: role('components:\n  web:\n    command: ""\n'),
    at: "roles/api.yaml:3:14",
    message: "components.web.command: expected a command line, found empty text",
  },
  {
    name: "reports a health cmd of only blanks",
    files: role('command: x\nhealth: { cmd: " " }\n'),
    at: "roles/api.yaml:2:16",
    message: "health.cmd: expected a command line, found only blanks",
  },
  {
    name: "reports a stop command holding a NUL byte",
    files: role('command: x\nstop: { command: "drain\\0now" }\n'),
    at: "roles/api.yaml:2:18",
    message: "stop.command: expected a command line, found a NUL byte",
  },

  // Modes.
  {
    name: "reports a misspelt mode with the mode it most likely meant",
    files: role("command: x\nmodes: [review, prodcution]\n"),
    at: "roles/api.yaml:2:17",
    message: 'modes.1: expected one of "review", "staging", "production", found "prodcution" (did you mean "production"?)',
  },
  {
    name: "reports a mode that does not exist",
    files: role("command: x\nmodes: [dev]\n"),
    at: "roles/api.yaml:2:9",
    message: 'modes.0: expected one of "review", "staging", "production", found "dev"',
  },
  {
    name: "reports modes written as one word instead of a list",
    files: role("command: x\nmodes: review\n"),
    at: "roles/api.yaml:2:8",
    message: 'modes: expected a list, found "review"',
  },
  {
    name: "reports a mode listed twice",
    files: role("command: x\nmodes: [review, review]\n"),
    at: "roles/api.yaml:2:17",
    message: '"review" is listed twice in modes',
  },

  // Needs.
  {
    name: "reports a need on an unknown service with the service it most likely meant",
    files: { ...role("command: x\nneeds: [postgress]\n"), ...POSTGRES },
    at: "roles/api.yaml:2:9",
    message: 'needs unknown service "postgress" (did you mean "postgres"?); expected one of: api, postgres',
  },
  {
    name: "reports a service that needs itself",
    files: role("command: x\nneeds: [api]\n"),
    at: "roles/api.yaml:2:9",
    message: '"api" needs itself',
  },
  {
    name: "reports a cycle of two services at the need that closes it",
    files: { ...role("command: x\nneeds: [db]\n"), "roles/db.yaml": "command: y\nneeds: [api]\n" },
    at: "roles/db.yaml:2:9",
    message: "needs cycle: api -> db -> api",
  },
  {
    name: "reports a cycle of three services at the need that closes it",
    files: { ...role("command: x\nneeds: [b]\n"), "roles/b.yaml": "command: y\nneeds: [c]\n", "roles/c.yaml": "command: z\nneeds:\n  - api\n" },
    at: "roles/c.yaml:3:5",
    message: "needs cycle: api -> b -> c -> api",
  },
  {
    name: "reports a need listed twice",
    files: { ...role("command: x\nneeds: [db, db]\n"), "roles/db.yaml": "command: y\n" },
    at: "roles/api.yaml:2:13",
    message: '"db" is listed twice in needs',
  },

  // Port collisions on one box.
  {
    name: "reports two services on the review box listening on the same port",
    files: { "roles/web.yaml": "command: y\nport: 3000\n" },
    at: "roles/web.yaml:2:7",
    message: "port collision on a review box: web.main uses 3000, api.main uses 3000; move one of the ports",
  },
  {
    name: "reports a port inside another component's replica range",
    files: { ...role("command: x\nport: 3000\nreplicas: 3\n"), "roles/web.yaml": "command: y\nport: 3002\n" },
    at: "roles/web.yaml:2:7",
    message: "port collision on a review box: web.main uses 3002, api.main uses 3000-3002",
  },
  {
    name: "reports per-CPU replicas without a max running into another port",
    files: { ...role("command: x\nport: 3000\nreplicas: { perCpu: 1 }\n"), "roles/web.yaml": "command: y\nport: 3005\n" },
    at: "roles/web.yaml:2:7",
    message: "api.main uses 3000 and up (replicas per CPU without a max); set replicas.max on api.main or move a port",
  },
  {
    name: "reports two components of one service whose replica ports overlap",
    files: role("components:\n  web:\n    command: a\n    port: 3000\n    replicas: 2\n  admin:\n    command: b\n    port: 3001\n"),
    at: "roles/api.yaml:8:11",
    message: "port collision on a review box: api.admin uses 3001, api.web uses 3000-3001",
  },

  // Service and component names.
  ...["review", "common", "unibox"].map((name) => ({
    name: `reports the reserved name "${name}" used as a service`,
    files: { [`roles/${name}.yaml`]: "command: y\n" },
    at: `roles/${name}.yaml:1:1`,
    message: `"${name}" is reserved (review, staging, production, common, unibox) and cannot name a service`,
  })),
  {
    name: "reports a service file name with an uppercase letter",
    files: { "roles/Api.yaml": "command: y\n" },
    at: "roles/Api.yaml:1:1",
    message: 'service name "Api" (the file name) must match [a-z][a-z0-9-]*',
  },
  {
    name: "reports a service file name with a dot",
    files: { "roles/a.b.yaml": "command: y\n" },
    at: "roles/a.b.yaml:1:1",
    message: 'service name "a.b" (the file name) must match [a-z][a-z0-9-]*',
  },
  {
    name: "reports a role file ending in .yml with the name it should have",
    files: { "roles/web.yml": "command: y\n" },
    at: "roles/web.yml:1:1",
    message: 'role files end in ".yaml": rename to roles/web.yaml',
  },
  {
    name: "reports a file in roles/ that is not a role",
    files: { "roles/notes.txt": "hello\n" },
    at: "roles/notes.txt:1:1",
    message: "unexpected file in roles/: expected <service>.yaml",
  },
  {
    name: "reports a component name with an uppercase letter",
    files: role("components:\n  Web:\n    command: a\n"),
    at: "roles/api.yaml:2:3",
    message: 'component name "Web" must match [a-z][a-z0-9-]*',
  },
  {
    name: "reports a component name with a dot",
    files: role("components:\n  web.v2:\n    command: a\n"),
    at: "roles/api.yaml:2:3",
    message: 'component name "web.v2" must match [a-z][a-z0-9-]*',
  },

  {
    name: 'reports a component named "__proto__", which a parsed map would drop in silence',
    files: role("components:\n  web:\n    command: a\n  __proto__:\n    command: b\n"),
    at: "roles/api.yaml:4:3",
    message: 'component name "__proto__" must match [a-z][a-z0-9-]*',
  },

  // The shape of a role.
  {
    name: "reports a role with both components and a top-level command",
    files: role("command: x\ncomponents:\n  web:\n    command: a\n"),
    at: "roles/api.yaml:1:1",
    message: '"command" belongs inside a component when "components:" is used',
  },
  {
    name: "reports a role with neither components nor a command",
    files: role("description: nothing to run\n"),
    at: "roles/api.yaml:1:1",
    message: 'missing "command:" (one process) or "components:" (several)',
  },
  {
    name: "reports an empty components map",
    files: role("components: {}\n"),
    at: "roles/api.yaml:1:13",
    message: "expected at least one component, found none",
  },
  {
    name: "reports a role file that holds a list instead of a map",
    files: role("- command: x\n"),
    at: "roles/api.yaml:1:1",
    message: "expected a map of role keys",
  },

  // Health and stop.
  {
    name: "reports a health check of two kinds",
    files: role("command: x\nport: 3000\nhealth: { http: /health, tcp: true }\n"),
    at: "roles/api.yaml:3:9",
    message: "health: expected exactly one of http, tcp, cmd, found http and tcp",
  },
  {
    name: "reports a health check of no kind",
    files: role("command: x\nport: 3000\nhealth: { timeout: 2s }\n"),
    at: "roles/api.yaml:3:9",
    message: "health: expected exactly one of http, tcp, cmd, found none",
  },
  {
    name: "reports an http health check on a component without a port",
    files: role("command: x\nhealth: { http: /health }\n"),
    at: "roles/api.yaml:2:9",
    message: `health: a http check needs the component's "port:"`,
  },
  {
    name: "reports expect on a tcp health check",
    files: role("command: x\nport: 3000\nhealth: { tcp: true, expect: ok }\n"),
    at: "roles/api.yaml:3:22",
    message: 'health: "expect" applies to http checks only',
  },
  {
    name: "reports an http health path without a leading slash",
    files: role("command: x\nport: 3000\nhealth: { http: health }\n"),
    at: "roles/api.yaml:3:17",
    message: 'health.http: expected a path starting with "/", found "health"',
  },
  {
    name: "reports a duration with an unknown unit",
    files: role("command: x\nstop: { grace: 2x }\n"),
    at: "roles/api.yaml:2:16",
    message: 'stop.grace: expected a duration above 0, such as "500ms", "2s" or "1m"',
  },
  {
    name: "reports a duration written as a word",
    files: role("command: x\nport: 3000\nhealth: { tcp: true, timeout: fast }\n"),
    at: "roles/api.yaml:3:31",
    message: 'health.timeout: expected a duration above 0, such as "500ms", "2s" or "1m"',
  },
  {
    name: "reports a misspelt stop signal with the signal it most likely meant",
    files: role("command: x\nstop: { signal: TREM }\n"),
    at: "roles/api.yaml:2:17",
    message: 'found "TREM" (did you mean "TERM"?)',
  },

  // Repos and the image recipe.
  {
    name: "reports a role on an unknown repo with the repo it most likely meant",
    files: role("repo: apj\ncommand: x\n"),
    at: "roles/api.yaml:1:7",
    message: 'unknown repo "apj" (did you mean "api"?); image/image.yaml has: api',
  },
  {
    name: "reports a repo whose local path does not exist",
    files: { "image/image.yaml": "base: host\nrepos:\n  - name: api\n    url: ./apps/nope\n" },
    at: "image/image.yaml:4:10",
    message: 'repo "api": local path ./apps/nope does not exist',
  },
  {
    name: "reports a repo listed twice at the second one",
    files: { "image/image.yaml": `base: host\n${IMAGE_REPO}  - name: api\n    url: ./apps/api\n` },
    at: "image/image.yaml:5:11",
    message: 'repo "api" is listed twice',
  },
  {
    name: "reports a missing image/image.yaml",
    files: { "image/image.yaml": null },
    at: "image/image.yaml:1:1",
    message: "missing image/image.yaml",
  },
  {
    name: "reports an unknown key in image.yaml with the key it most likely meant",
    files: { "image/image.yaml": `base: host\npackage: [curl]\n${IMAGE_REPO}` },
    at: "image/image.yaml:2:1",
    message: 'unknown key "package" (did you mean "packages"?)',
  },
  {
    name: "reports a base that is neither host nor an AMI filter",
    files: { "image/image.yaml": `base: hots\n${IMAGE_REPO}` },
    at: "image/image.yaml:1:7",
    message: 'base: expected "host" or { ami: { name, owners } }, found "hots"',
  },
  {
    name: "reports a repo name that is not a valid name",
    files: { "image/image.yaml": "base: host\nrepos:\n  - name: Api\n    url: ./apps/api\n" },
    at: "image/image.yaml:3:11",
    message: 'repos.0.name: expected a repo name matching [a-z][a-z0-9-]*, found "Api"',
  },

  {
    name: "reports an include: of git's own folder, whose history would be baked",
    files: { "image/image.yaml": `base: host\ninclude: [support, .git]\n${IMAGE_REPO}`, "support/x": "x", ".git/config": "[core]\n" },
    at: "image/image.yaml:2:20",
    message: 'include: ".git" is git\'s own folder',
  },
  {
    name: "reports an include: of the whole stack root",
    files: { "image/image.yaml": `base: host\ninclude: [.]\n${IMAGE_REPO}` },
    at: "image/image.yaml:2:11",
    message: 'include: "." names the whole stack root',
  },
  {
    name: "reports an include: that leads out of the stack root through a symlink on the way",
    files: { "image/image.yaml": `base: host\ninclude: [lnk/etc/hostname]\n${IMAGE_REPO}`, lnk: { symlink: "/" } },
    at: "image/image.yaml:2:11",
    message: "include: lnk/etc/hostname leads out of the stack root (to /etc/hostname) through a symlink",
  },
  {
    name: "reports an image user root: build steps would run as root on the builder",
    files: { "image/image.yaml": `base: host\nuser: root\n${IMAGE_REPO}` },
    at: "image/image.yaml:2:7",
    message: "user: expected an unprivileged user",
  },
  {
    name: "reports a role that runs as the image build's own user",
    files: role("command: x\nuser: unibox-build\n"),
    at: "roles/api.yaml:2:7",
    message: "unibox-build is the image build's own user",
  },
  {
    name: 'reports a runtime named "__proto__", which a parsed map would drop in silence',
    files: { "image/image.yaml": `base: host\nruntimes:\n  node: "20"\n  __proto__: "1"\n${IMAGE_REPO}` },
    at: "image/image.yaml:4:3",
    message: 'runtime name "__proto__" must match [a-z][a-z0-9._-]*',
  },

  // YAML itself.
  {
    name: "reports an unclosed flow sequence where the YAML parser gives up",
    files: role("command: x\nport: [3000\n"),
    at: "roles/api.yaml:3:1",
    message: "YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
  },
  {
    name: "reports a tab used as indentation at its line",
    files: role("command: x\n\tport: 3000\n"),
    at: "roles/api.yaml:2:1",
    message: "YAML: Tabs are not allowed as indentation",
  },
  {
    name: "reports a duplicate YAML key at the second occurrence, naming the whole key and where it was first set",
    files: role("command: x\nport: 3000\nport: 3001\n"),
    at: "roles/api.yaml:3:1",
    message: 'YAML: duplicate key "port"; it is already set at line 2: keep one',
  },
  {
    name: "reports a component defined twice, naming it",
    files: role("components:\n  web: { command: a }\n  worker: { command: b }\n  web: { command: c }\n"),
    at: "roles/api.yaml:4:3",
    message: 'YAML: duplicate key "web"; it is already set at line 2',
  },
  {
    name: "reports a second YAML document in a role file in plain words",
    files: role("command: x\nport: 3000\n---\ncommand: y\n"),
    at: "roles/api.yaml:3:1",
    message: 'a role file holds one YAML document; found a second one starting here (remove the "---" line)',
  },
  {
    name: "reports a second YAML document in image.yaml in plain words",
    files: { "image/image.yaml": `base: host\n${IMAGE_REPO}---\nbase: host\n` },
    at: "image/image.yaml:5:1",
    message: 'image/image.yaml holds one YAML document; found a second one starting here (remove the "---" line)',
  },
  {
    name: "reports nested anchors and aliases that expand into a huge value (a billion laughs) at the first alias",
    files: role(BILLION_LAUGHS),
    at: "roles/api.yaml:2:8",
    message: "YAML: aliases expand this file into too much data",
  },

  // envdirs/.
  {
    name: "reports a misspelt scope directory with the scope it most likely meant",
    files: { "envdirs/comon/TZ": "UTC\n" },
    at: "envdirs/comon:1:1",
    message: 'envdirs/comon/ names no scope (did you mean "common"?)',
  },
  {
    name: "reports a scope directory named after an unknown service with the service it most likely meant",
    files: { "envdirs/apj/X": "1\n" },
    at: "envdirs/apj:1:1",
    message: 'envdirs/apj/ names no scope (did you mean "api"?)',
  },
  {
    name: "reports a mode.service scope for a mode the service does not run in",
    files: { ...POSTGRES, "envdirs/production.postgres/X": "1\n" },
    at: "envdirs/production.postgres:1:1",
    message: 'envdirs/production.postgres/ names mode "production", but postgres does not run in it (modes: review)',
  },
  {
    name: "reports a variable name with a dash",
    files: { "envdirs/common/MY-VAR": "1\n" },
    at: "envdirs/common/MY-VAR:1:1",
    message: 'invalid variable name "MY-VAR": expected [A-Za-z_][A-Za-z0-9_]*',
  },
  {
    name: "reports a variable name with an equals sign and what chpst would do with it",
    files: { "envdirs/common/A=B": "1\n" },
    at: "envdirs/common/A=B:1:1",
    message: '(chpst would make the part after "=" part of the value)',
  },
  {
    name: "reports a dangling symlink in an env scope",
    files: { "envdirs/common/TZ": { symlink: "../nowhere/TZ" } },
    at: "envdirs/common/TZ:1:1",
    message: "dangling symlink",
  },
  {
    name: "reports a directory nested inside an env scope",
    files: { "envdirs/common/sub/X": "1\n" },
    at: "envdirs/common/sub:1:1",
    message: "unexpected directory inside an env scope",
  },
  {
    name: "reports a variable defined both as NAME and as NAME.hbs",
    files: { "envdirs/common/URL": "http://x\n", "envdirs/common/URL.hbs": "http://{{box.privateIp}}\n" },
    at: "envdirs/common/URL.hbs:1:1",
    message: '"URL" is defined twice in envdirs/common/ (URL and URL.hbs)',
  },
  {
    name: "reports an unknown name in a template at its line and column inside the template",
    files: { ...POSTGRES, "envdirs/review.api/DATABASE_URL.hbs": "postgres://localhost:{{ports.postgres.main}}/a\npostgres://localhost:{{ports.postgress.main}}/b\n" },
    at: "envdirs/review.api/DATABASE_URL.hbs:2:24",
    message: "template on a review box:",
  },
  {
    name: "reports a template that renders on the review box but not on a production box it also applies to",
    files: {
      ...role("repo: api\nmodes: [review, production]\ncommand: node server.js\nport: 3000\n"),
      ...POSTGRES,
      "envdirs/api/DATABASE_URL.hbs": "postgres://localhost:{{ports.postgres.main}}/app\n",
    },
    at: "envdirs/api/DATABASE_URL.hbs:1:24",
    message: "template on a production box of api:",
  },
  {
    name: "reports an env value longer than the kernel lets one environment string be, with its size and the limit",
    files: { "envdirs/common/BIGV": `${"x".repeat(LONGEST_FOR_4 + 1)}\n` },
    at: "envdirs/common/BIGV:1:1",
    message: `value of ${LONGEST_FOR_4 + 1} bytes is too long: the kernel limits each "NAME=value" string to 131072 bytes (MAX_ARG_STRLEN), so BIGV can hold at most ${LONGEST_FOR_4}`,
  },
  {
    name: "reports a template whose rendered value is longer than one environment string may be",
    files: { "envdirs/common/BIGV.hbs": `${"x".repeat(LONGEST_FOR_4 - "10.0.0.1".length + 1)}{{box.privateIp}}\n` },
    at: "envdirs/common/BIGV.hbs:1:1",
    message: `template on a review box: rendered value of ${LONGEST_FOR_4 + 1} bytes is too long`,
  },
  {
    name: "reports a call of the log helper, which would print on unibox's own stdout, at the helper",
    files: { "envdirs/common/X.hbs": 'x{{log "hello"}}\n' },
    at: "envdirs/common/X.hbs:1:4",
    message: 'unknown helper "log"; a template may use only each, if, lookup, unless, with',
  },
  {
    name: "reports a helper that is not allowed even in a branch the sample box does not take",
    files: { "envdirs/common/X.hbs": '{{#if box.mode}}ok{{else}}\n  {{log "x"}}{{/if}}\n' },
    at: "envdirs/common/X.hbs:2:5",
    message: 'unknown helper "log"',
  },
  {
    name: "reports a name that only an object's prototype has as an unknown name",
    files: { "envdirs/common/X.hbs": "{{box.constructor}}\n" },
    at: "envdirs/common/X.hbs:1:3",
    message: 'unknown name "box.constructor"',
  },
  {
    name: "reports a file directly under envdirs/",
    files: { "envdirs/TZ": "UTC\n" },
    at: "envdirs/TZ:1:1",
    message: "expected a directory (an env scope such as common/, review/, api/), found a file",
  },

  // The layout.
  {
    name: "reports a stack without a roles/ directory",
    files: { "roles/api.yaml": null },
    at: "roles:1:1",
    message: "missing roles/ directory",
  },
  {
    name: "reports a roles/ directory without any role",
    files: { "roles/api.yaml": null, "roles/.gitkeep": "" },
    at: "roles:1:1",
    message: "no roles/<service>.yaml found",
  },
];

describe("unibox validate on a broken stack", () => {
  it("has a table of at least 35 broken stacks", () => {
    expect(cases.length).toBeGreaterThanOrEqual(35);
  });

  it.each(cases.map((c): [string, BrokenCase] => [c.name, c]))("%s", async (_name, { files, at, message }) => {
    const { code, stdout, stderr } = await runValidate(writeStack(files));
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0].startsWith(`${at}: `), `expected "${at}: ..." but got:\n${stderr}`).toBe(true);
    expect(lines[0]).toContain(message);
    expect(lines[1]).toBe("unibox: invalid stack definition: 1 error");
  });

  // Messages that are wrong or unclear today; the rows above check what they can.
  it.each([
    ["says what a number as command should be, once", role("command: 42\n"), "roles/api.yaml:1:10", "command: expected the command line to run, found 42"],
    [
      "names the whole unknown template expression",
      { ...POSTGRES, "envdirs/review.api/DATABASE_URL.hbs": "postgres://localhost:{{ports.postgres.main}}/a\npostgres://localhost:{{ports.postgress.main}}/b\n" },
      "envdirs/review.api/DATABASE_URL.hbs:2:",
      'unknown name "ports.postgress.main"',
    ],
    ["says what a template parse error expected", { "envdirs/common/X.hbs": "a\n{{#if box.name}}\n" }, "envdirs/common/X.hbs:3:1", "syntax error: Expecting"],
    [
      "names a block argument that names no component, which strict mode alone would render as nothing",
      { "envdirs/review.api/UP.hbs": "{{#each replicas.api.mian}}{{port}} {{/each}}\n" },
      "envdirs/review.api/UP.hbs:1:9",
      'unknown name "replicas.api.mian"',
    ],
    [
      "names a block argument that names no service",
      { "envdirs/common/UP.hbs": "x\n{{#each replicas.nope.web}}{{port}}{{/each}}\n" },
      "envdirs/common/UP.hbs:2:9",
      'unknown name "replicas.nope.web"',
    ],
    ["refuses a grace of 0, which would turn off the bound on the stop command", role("command: x\nstop: { grace: 0s }\n"), "roles/api.yaml:2:16", "expected a duration above 0"],
    ["refuses a health timeout of 0", role("command: x\nport: 3000\nhealth: { http: /, timeout: 0 }\n"), "roles/api.yaml:3:", "expected a duration above 0"],
    ["says perCpu must be above 0", role("command: x\nreplicas: { perCpu: 0 }\n"), "roles/api.yaml:2:21", "replicas.perCpu: expected a number above 0, found 0"],
  ] as [string, Record<string, StackFile>, string, string][])("%s", async (_name, files, at, message) => {
    const { code, stderr } = await runValidate(writeStack(files));
    expect(code).toBe(2);
    expect(stderr).toContain(at);
    expect(stderr).toContain(message);
  });
});

describe("several errors at once", () => {
  const files: Record<string, StackFile> = {
    "roles/api.yaml": "repo: api\ncommand: x\nreplica: 2\n",
    "roles/web.yaml": 'command: y\nport: "80"\n',
    "envdirs/comon/TZ": "UTC\n",
    "envdirs/common/MY-VAR": "1\n",
    "image/image.yaml": `base: host\n${IMAGE_REPO}extra: 1\n`,
  };
  const expected = [
    "envdirs/common/MY-VAR:1:1: ",
    "envdirs/comon:1:1: ",
    "image/image.yaml:5:1: ",
    "roles/api.yaml:3:1: ",
    "roles/web.yaml:2:7: ",
  ];

  it("reports every error of every file in one run, sorted by file and position", async () => {
    const { code, stderr } = await runValidate(writeStack(files));
    expect(code).toBe(2);
    const lines = stderr.trimEnd().split("\n");
    expect(lines.map((l) => l.slice(0, l.indexOf(": ") + 2))).toEqual([...expected, "unibox: "]);
    expect(lines.at(-1)).toBe("unibox: invalid stack definition: 5 errors");
  });

  it("throws one StackError from loadStack carrying the same diagnostics, sorted, with exit code 2", () => {
    const root = writeStack(files);
    let error: unknown;
    try {
      loadStack(root);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StackError);
    const stackError = error as StackError;
    expect(stackError.exitCode).toBe(2);
    expect(stackError.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: `)).toEqual(expected);
    expect(stackError.diagnostics[3]).toEqual({
      file: "roles/api.yaml",
      line: 3,
      col: 1,
      message:
        'unknown key "replica" (did you mean "replicas"?); expected one of: description, repo, user, modes, needs, components, command, replicas, port, health, stop, once, entry',
    });
  });
});
