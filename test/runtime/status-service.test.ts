// unibox.status: the box's health endpoint, supervised beside the stack and reported apart from it.
import { describe, expect, it } from "vitest";
import { isAlive, listProcesses } from "../../src/runtime/processes.js";
import { sv } from "../../src/runtime/sv.js";
import { runJson } from "../helpers/cli.js";
import { testBox } from "../helpers/box.js";

describe("unibox.status", () => {
  it("answers 200 while every instance is healthy, 503 naming the one that is not, and goes with down --reset", async () => {
    const box = testBox({ "roles/a.yaml": "command: sleep 100000\nreplicas: 2\n" });
    expect((await box.boot("--wait", "10")).code).toBe(0);
    const status = await runJson<{ instances: { name: string }[]; statusService: { url: string; state: string; pid: number; healthy: boolean } }>(["status", "--prefix", box.prefix]);
    // Reported apart: the stack's instances are only the stack's.
    expect(status.instances.map((i) => i.name)).toEqual(["a.main.0", "a.main.1"]);
    await expect.poll(async () => (await runJson(["status", "--prefix", box.prefix])).statusService.healthy, { timeout: 10_000 }).toBe(true);
    const { url, pid } = (await runJson(["status", "--prefix", box.prefix])).statusService;

    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ healthy: true, instances: [{ name: "a.main.0", healthy: true }, { name: "a.main.1", healthy: true }] });

    await sv("down", [box.paths.sv("a.main.1")]);
    await expect.poll(async () => (await fetch(url)).status, { timeout: 5000, interval: 200 }).toBe(503);
    expect(await (await fetch(url)).json()).toMatchObject({ healthy: false, instances: [{ name: "a.main.0", healthy: true }, { name: "a.main.1", state: "down", healthy: false }] });

    expect((await box.down("--reset")).code).toBe(0);
    expect(isAlive(pid)).toBe(false);
  });

  it("runs one set of checks at a time however often it is asked, while checks hang", { timeout: 60_000 }, async () => {
    // Checks that take their whole timeout, as against an app that accepts and never answers.
    const box = testBox({ "roles/a.yaml": `command: sleep 100000\nreplicas: 3\nhealth: { cmd: "sleep 4.5", timeout: 6s }\n` });
    expect((await box.boot()).code).toBe(0);
    const statusOf = () => runJson<{ statusService: { url: string; pid: number | null; healthy: boolean } }>(["status", "--prefix", box.prefix]);
    await expect.poll(async () => (await statusOf()).statusService.healthy, { timeout: 10_000 }).toBe(true);
    const status = await statusOf();
    const checks = () => descendants(status.statusService.pid!).filter((p) => p.argv.join(" ") === "sleep 4.5").length;
    let most = 0;
    const asking = Array.from({ length: 15 }, (_, i) => new Promise((r) => setTimeout(r, i * 200)).then(() => fetch(status.statusService.url).catch(() => undefined)));
    const watching = (async () => {
      for (let i = 0; i < 40; i++) {
        most = Math.max(most, checks());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await Promise.all([...asking, watching]);
    // One check per instance at a time, not one set per second of asking.
    expect(most).toBe(3);
  });
});

/** Every live descendant of `pid`. */
function descendants(pid: number) {
  const all = listProcesses().filter((p) => p.state !== "Z");
  const out = all.filter((p) => p.ppid === pid);
  for (let i = 0; i < out.length; i++) out.push(...all.filter((p) => p.ppid === out[i].pid));
  return out;
}
