// One-shot components (`once: true`) under the real runit: run to completion before what needs them, once
// per start of the box, never restarted by runsv, and a failure stops what depends on them.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cwdOf, listProcesses } from "../../src/runtime/processes.js";
import { pollUntil } from "../../src/shared/poll.js";
import { runCli } from "../helpers/cli.js";
import { testBox, type TestBox } from "../helpers/box.js";

// Each step appends its name to one file: the order things ran in, and how often.
const log = (name: string) => `echo ${name} >> $UNIBOX_STATE_DIR/order`;
const APP = [
  "components:",
  "  web:",
  `    command: "sh -c '${log("web")}; exec sleep 100000'"`,
  "  first:",
  `    command: "sh -c 'sleep 0.3; ${log("first")}'"`,
  "    once: true",
  "  second:",
  `    command: "sh -c '${log("second")}'"`,
  "    once: true",
  "",
].join("\n");
const CLIENT = `needs: [app]\ncommand: "sh -c 'echo client >> $UNIBOX_STATE_DIR/../app/order; exec sleep 100000'"\n`;

const order = (box: TestBox) => readFileSync(`${box.paths.state("app")}/order`, "utf8").trim().split("\n");

describe("one-shot components", () => {
  it("run in declaration order before the role's other components and its dependents, once per start of the box", async () => {
    const box = testBox({ "roles/app.yaml": APP, "roles/client.yaml": CLIENT, "envdirs/app.second/X": "1\n" });
    expect((await box.boot("--wait", "15")).code).toBe(0);
    expect(order(box).slice(0, 2)).toEqual(["first", "second"]);
    expect(order(box).slice(2).sort()).toEqual(["client", "web"]);
    const status = await box.status();
    expect(status.instances.map((i) => [i.name, i.state, i.healthy])).toEqual([
      ["app.first.0", "done", true],
      ["app.second.0", "done", true],
      ["app.web.0", "up", true],
      ["client.main.0", "up", true],
    ]);

    // The same inputs: nothing runs again, nothing restarts.
    const pids = status.instances.map((i) => i.pid);
    expect(await box.bootJson("--wait", "10")).toMatchObject({ changed: [], added: [], unchanged: ["app.first.0", "app.second.0", "app.web.0", "client.main.0"] });
    expect(order(box)).toHaveLength(4);
    expect((await box.status()).instances.map((i) => i.pid)).toEqual(pids);

    // A changed one-shot runs again; what did not change stays as it is.
    writeFileSync(`${box.root}/envdirs/app.second/X`, "2\n");
    expect(await box.bootJson("--wait", "10")).toMatchObject({ changed: ["app.second.0"] });
    expect(order(box).slice(4)).toEqual(["second"]);

    // `restart SERVICE.COMPONENT` runs it again.
    expect((await runCli(["restart", "app.first", "--prefix", box.prefix])).code).toBe(0);
    expect(order(box).slice(5)).toEqual(["first"]);

    // A boot after `down` is a new start of the box: every one-shot runs again, before the rest.
    expect((await box.down()).code).toBe(0);
    expect((await box.boot("--wait", "15")).code).toBe(0);
    expect(order(box).slice(6, 8)).toEqual(["first", "second"]);
    expect(order(box).slice(8).sort()).toEqual(["client", "web"]);
    expect((await box.status()).instances.every((i) => i.healthy)).toBe(true);
  });

  it("stops the boot at a failed one-shot with its log, exit 1 at once, and never starts what needs it", async () => {
    const box = testBox({
      "roles/app.yaml": [
        "components:",
        "  migrate:",
        `    command: "sh -c 'echo relation jobs: permission denied; exit 3'"`,
        "    once: true",
        "  web:",
        `    command: "sh -c '${log("web")}; exec sleep 100000'"`,
        "",
      ].join("\n"),
      "roles/client.yaml": CLIENT,
    });
    const started = Date.now();
    const r = await box.boot("--wait", "60");
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.stderr).toContain("one-shot app.migrate.0 failed");
    expect(r.stderr).toContain("relation jobs: permission denied");
    const status = await box.status();
    expect(status.instances.find((i) => i.name === "app.migrate.0")).toMatchObject({ state: "failed", healthy: false, lastExit: { code: 3 } });
    expect(status.instances.find((i) => i.name === "app.web.0")).toMatchObject({ healthy: false });
    expect(existsSync(`${box.paths.state("app")}/order`)).toBe(false);
    // Not restarted by runsv: it ran once.
    expect(readFileSync(`${box.paths.log("app.migrate.0")}/current`, "utf8").match(/permission denied/g)).toHaveLength(1);

    // `down --reset` leaves nothing running, the dependents still waiting in `run` included.
    expect((await box.down("--reset")).code).toBe(0);
    // (The boot lock's holder goes a moment after `down` returns: polled, bounded.)
    const left = () => listProcesses().filter((p) => p.argv.some((a) => a.includes(box.prefix)) || cwdOf(p.pid)?.startsWith(box.prefix));
    await pollUntil(() => left().length === 0, 3000);
    expect(left()).toEqual([]);
  });
});
