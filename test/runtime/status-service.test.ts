// unibox.status: the box's health endpoint, supervised beside the stack and reported apart from it.
import { describe, expect, it } from "vitest";
import { isAlive } from "../../src/runtime/processes.js";
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
});
