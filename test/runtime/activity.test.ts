// A box's last activity is its entry's log: a real request through the sample's nginx router (as www-data,
// under runit, logging to the svlogd pipe) moves it; unibox's own health checks do not.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { entryLastActivity } from "../../src/runtime/activity.js";
import { runProgram } from "../../src/runtime/exec.js";
import { pollUntil } from "../../src/shared/poll.js";
import { freePort, testBox } from "../helpers/box.js";

const ROUTER = readFileSync(fileURLToPath(new URL("../../support/router-review", import.meta.url)), "utf8");
const UPSTREAM = `require("node:http").createServer((q, s) => s.end("welcome\\n")).listen(Number(process.env.PORT), "127.0.0.1");\n`;

describe("entryLastActivity", () => {
  it("moves with a request through the nginx router, not with a health check", async () => {
    const [up, router] = [await freePort(), await freePort()];
    const box = testBox({
      "up.js": UPSTREAM,
      "roles/up.yaml": `command: node up.js\nport: ${up}\nhealth: { tcp: true }\n`,
      "support/router-review": ROUTER,
      "roles/router.yaml": `user: www-data\nneeds: [up]\ncommand: sh ./support/router-review\nport: ${router}\nhealth: { http: /, expect: welcome }\nentry: true\n`,
      "envdirs/router/UPSTREAMS": `server 127.0.0.1:${up};\n`,
    });
    const booted = await box.boot("--wait", "20");
    expect(booted.code, booted.stderr).toBe(0);
    const before = entryLastActivity(box.prefix);
    expect(before).toBeInstanceOf(Date);

    // Health checks (curl -A unibox-health, as runsv's `check` runs them) leave the log alone.
    for (let i = 0; i < 3; i++) expect((await runProgram(`${box.paths.sv("router.main.0")}/check`, [], { cwd: box.paths.sv("router.main.0") })).code).toBe(0);
    expect(entryLastActivity(box.prefix)).toEqual(before);

    const response = await fetch(`http://127.0.0.1:${router}/some/page`);
    expect(await response.text()).toBe("welcome\n");
    expect(await pollUntil(() => entryLastActivity(box.prefix)!.getTime() > before!.getTime(), 5000)).toBe(true);
    const log = readFileSync(`${box.paths.log("router.main.0")}/current`, "utf8");
    expect(log).toContain('"GET /some/page HTTP/1.1" 200');
    expect(log).not.toContain("unibox-health");
  });

  it("is undefined for a box without an entry, and for a prefix nothing booted", async () => {
    const box = testBox({ "roles/a.yaml": "command: sleep 100000\n" });
    expect(entryLastActivity(box.prefix)).toBeUndefined();
    expect((await box.boot("--wait", "10")).code).toBe(0);
    expect(entryLastActivity(box.prefix)).toBeUndefined();
  });
});
