// `review up` killed with -9 at ten moments spread over its run (claiming the name, planning, reserving ports,
// booting, waiting for health): each next `review up` of the same name converges (the half-made box is taken
// down and removed first), a final one comes up healthy, and after `review down` nothing of the box is left:
// no process, no directory, no port reservation.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listProcesses } from "../../../src/runtime/processes.js";
import { reservationsDir } from "../../../src/review/local/port-reservations.js";
import { pollUntil } from "../../../src/shared/poll.js";
import { runCli, runJson } from "../../helpers/cli.js";
import { appImageYaml, stackRepo } from "../../helpers/stack-repo.js";

const bin = fileURLToPath(new URL("../../../bin/unibox.js", import.meta.url));
let root: string;
let store: string;

beforeAll(async () => {
  ({ root, store } = stackRepo("unibox-kill-up-", {
    "image/image.yaml": appImageYaml(),
    "roles/db.yaml": "command: sleep 100000\n",
    "roles/app.yaml": "repo: app\nneeds: [db]\ncommand: node server.js\nport: 3000\nentry: true\nreplicas: 2\nhealth: { http: /, expect: ok }\n",
    "apps/app/server.js": "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT, '127.0.0.1');\n",
  }));
  await runJson(["image", "build", "--root", root, "--store", store]);
}, 120_000);

afterAll(async () => {
  await runCli(["review", "down", "k", "--root", root, "--store", store]);
  const { removeTree } = await import("../../../src/image/tree-ops.js");
  await removeTree(root);
}, 60_000);

const boxPath = () => join(store, "review", "k");
const boxProcesses = () => listProcesses().filter((p) => p.argv.join(" ").includes(boxPath()));

function reviewUp(): { child: ReturnType<typeof spawn>; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [bin, "review", "up", "--name", "k", "--root", root, "--store", store], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  return { child, exited: new Promise((resolve) => child.once("exit", (c) => resolve(c))), stderr: () => err };
}

describe("review up killed with -9", () => {
  it("converges on the next run at each of ten moments, and leaves nothing once the box is taken down", async () => {
    // Nine moments by the clock (on a loaded machine the early ones fall before the name is even claimed), and
    // a tenth once it says it is booting: that one surely leaves a half-made box behind.
    const moments: (number | "booting")[] = [30, 150, 300, 450, 600, 800, 1000, 1300, 1600, "booting"];
    for (const moment of moments) {
      const run = reviewUp();
      if (moment === "booting") await pollUntil(() => run.stderr().includes("booting"), 60_000, 10);
      else await new Promise((r) => setTimeout(r, moment));
      run.child.kill("SIGKILL");
      await run.exited;
    }
    // What the last kill left is a half-made box: listed as such, and what reap removes whatever its TTL.
    const half = (await runJson(["review", "reap", "--dry-run", "--root", root, "--store", store])).boxes;
    expect(half.map((b: any) => [b.name, b.state])).toEqual([["k", "abandoned"]]);
    const last = reviewUp();
    const code = await last.exited;
    expect(code, last.stderr()).toBe(0);
    const box = (await runJson(["review", "ls", "--root", root, "--store", store])).boxes;
    expect(box.map((b: any) => [b.name, b.state, b.healthy])).toEqual([["k", "running", true]]);
    // One runsvdir for the box, whatever the killed runs started.
    expect(boxProcesses().filter((p) => p.argv[0].endsWith("runsvdir"))).toHaveLength(1);

    expect((await runCli(["review", "down", "k", "--root", root, "--store", store])).code).toBe(0);
    await pollUntil(() => boxProcesses().length === 0, 10_000, 50);
    expect(boxProcesses().map((p) => p.argv.join(" "))).toEqual([]);
    expect(existsSync(boxPath())).toBe(false);
    const reservations = existsSync(reservationsDir()) ? readdirSync(reservationsDir()).filter((n) => n.endsWith(".json")) : [];
    expect(reservations.map((n) => readFileSync(join(reservationsDir(), n), "utf8")).filter((r) => r.includes(boxPath()))).toEqual([]);
  }, 120_000);
});
