// Files of the stack definition that are not regular files, or that cannot be read: `validate` refuses them with a
// diagnostic, quickly, without opening them. Each run is a child process with a time limit, so a regression that
// reads /dev/zero or waits on a FIFO fails the test instead of hanging the suite.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, statSync, truncateSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeStack, type StackFile } from "../helpers/stack-dir.js";
import { canReadSources, runCliInChild } from "../helpers/run-in-child.js";

const NOT_OPENED = "unibox does not open it, since reading it could block or never end: replace it with a regular file";

const cases: { name: string; files: Record<string, StackFile>; fifo?: string; at: string; message: string }[] = [
  {
    name: "refuses an env file that links to /dev/zero",
    files: { "envdirs/common/ZERO": { symlink: "/dev/zero" } },
    at: "envdirs/common/ZERO:1:1",
    message: `expected a regular file, found a symlink to /dev/zero, which is a character device; ${NOT_OPENED}`,
  },
  {
    name: "refuses a template that links to /dev/urandom",
    files: { "envdirs/common/NOISE.hbs": { symlink: "/dev/urandom" } },
    at: "envdirs/common/NOISE.hbs:1:1",
    message: "expected a regular file, found a symlink to /dev/urandom, which is a character device",
  },
  {
    name: "refuses an env file that is a FIFO",
    files: {},
    fifo: "envdirs/common/PIPE",
    at: "envdirs/common/PIPE:1:1",
    message: `expected a regular file, found a FIFO (named pipe); ${NOT_OPENED}`,
  },
  {
    name: "refuses a role file that links to /dev/zero",
    files: { "roles/api.yaml": { symlink: "/dev/zero" } },
    at: "roles/api.yaml:1:1",
    message: "expected a regular file, found a symlink to /dev/zero, which is a character device",
  },
  {
    name: "refuses a role file that is a FIFO",
    files: {},
    fifo: "roles/web.yaml",
    at: "roles/web.yaml:1:1",
    message: "expected a regular file, found a FIFO (named pipe)",
  },
  {
    name: "refuses a role file that links to a regular file outside the stack root, printing none of it",
    files: { "roles/api.yaml": { symlink: "/etc/passwd" } },
    at: "roles/api.yaml:1:1",
    message: "leads out of the stack root through a symlink (to /etc/passwd); unibox reads only the stack's own files: copy the file in",
  },
  {
    name: "refuses an env file that links to a regular file outside the stack root (root would hand it to a service)",
    files: { "envdirs/common/SECRET": { symlink: "/etc/shadow" } },
    at: "envdirs/common/SECRET:1:1",
    message: "leads out of the stack root through a symlink (to /etc/shadow)",
  },
  {
    name: "refuses an image.yaml that links to /dev/urandom",
    files: { "image/image.yaml": { symlink: "/dev/urandom" } },
    at: "image/image.yaml:1:1",
    message: "expected a regular file, found a symlink to /dev/urandom, which is a character device",
  },
];

describe("unibox validate on files that are not regular files", () => {
  it.each(cases.map((c): [string, (typeof cases)[number]] => [c.name, c]))("%s", (_name, { files, fifo, at, message }) => {
    const root = writeStack(files);
    if (fifo) {
      mkdirSync(dirname(join(root, fifo)), { recursive: true });
      execFileSync("mkfifo", [join(root, fifo)]);
    }
    const { code, stdout, stderr, timedOut } = runCliInChild(["validate", "--root", root]);
    expect(timedOut).toBe(false);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0].startsWith(`${at}: `), `expected "${at}: ..." but got:\n${stderr}`).toBe(true);
    expect(lines[0]).toContain(message);
    expect(lines[1]).toBe("unibox: invalid stack definition: 1 error");
  });
});

describe("unibox validate on files it may not read", () => {
  // Root reads everything: run as nobody, on a stack nobody may read but for two files and a directory.
  it.skipIf(!canReadSources("nobody"))("reports an unreadable env file, template and scope directory as EACCES, each at its place", () => {
    const root = writeStack({
      "envdirs/common/SECRET": "s3cret\n",
      "envdirs/common/URL.hbs": "http://{{box.privateIp}}\n",
      "envdirs/common/TZ": "UTC\n",
      "envdirs/staging/LOG_LEVEL": "warn\n",
    });
    openToAll(root);
    chmodSync(join(root, "envdirs/common/SECRET"), 0o600);
    chmodSync(join(root, "envdirs/common/URL.hbs"), 0o600);
    chmodSync(join(root, "envdirs/staging"), 0o700);
    const { code, stdout, stderr, timedOut } = runCliInChild(["validate", "--root", root], { user: "nobody" });
    expect(timedOut).toBe(false);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const fix = "(permission denied); make it readable by the user who runs unibox, or run unibox as a user who may read it";
    expect(stderr).toBe(
      [
        `envdirs/common/SECRET:1:1: cannot read envdirs/common/SECRET: EACCES ${fix}`,
        `envdirs/common/URL.hbs:1:1: cannot read envdirs/common/URL.hbs: EACCES ${fix}`,
        `envdirs/staging:1:1: cannot read envdirs/staging/: EACCES ${fix}`,
        "unibox: invalid stack definition: 3 errors",
        "",
      ].join("\n"),
    );
  });
});

describe("templates cannot print", () => {
  it("prints exactly one JSON document on stdout with --json when a template calls the log helper", () => {
    const root = writeStack({ "envdirs/common/X.hbs": '{{log "from a template"}}x\n' });
    const { code, stdout, timedOut } = runCliInChild(["validate", "--root", root, "--json"]);
    expect(timedOut).toBe(false);
    expect(code).toBe(2);
    expect(stdout).not.toContain("from a template");
    expect(JSON.parse(stdout)).toEqual({
      error: {
        message: "invalid stack definition: 1 error",
        exitCode: 2,
        details: [expect.stringMatching(/^envdirs\/common\/X\.hbs:1:3: template on a review box: unknown helper "log"/)],
      },
    });
  });
});

// Directories 0755 and files 0644, all the way down, whatever the umask made them.
function openToAll(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) openToAll(path);
    else chmodSync(path, 0o644);
  }
}

describe("unibox validate on a huge env file", () => {
  it("refuses it by its size, unread, naming the file", () => {
    const root = writeStack({ "envdirs/common/HUGE": "" });
    // Sparse: 4 GiB that take no disk; read whole, it would exhaust memory (or pass Node's 2 GiB limit).
    truncateSync(join(root, "envdirs/common/HUGE"), 4 * 1024 ** 3);
    const { code, stderr, timedOut } = runCliInChild(["validate", "--root", root]);
    expect(timedOut).toBe(false);
    expect(code).toBe(2);
    expect(stderr).toContain("envdirs/common/HUGE:1:1: a file of 4294967296 bytes, not read");
  });
});
