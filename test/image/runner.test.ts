import { describe, expect, it } from "vitest";
import { BuildFailure, CleanupFailure, concurrently, runSteps, type Reporter, type Step } from "../../src/image/runner.js";

// A step that records its run and cleanup in a shared log; `fail` makes its run throw after it "created" something.
function step(name: string, log: string[], opts: { fail?: boolean; cleanupFails?: boolean; onRun?: () => void | Promise<void> } = {}): Step<{ log: string[] }> {
  return {
    name,
    title: `the ${name} step`,
    async run() {
      log.push(`run ${name}`);
      await opts.onRun?.();
      if (opts.fail) throw Object.assign(new Error(`${name} broke`), { details: [`  | last line of ${name}`] });
    },
    async cleanup(_s, ctx) {
      log.push(`cleanup ${name}${ctx.succeeded ? " (succeeded)" : ""}`);
      if (opts.cleanupFails) throw new CleanupFailure(`cannot delete ${name}'s resource`, [`aws ec2 delete-thing --id ${name}-1`]);
    },
  };
}

describe("the step runner", () => {
  it("runs every step in order, then every cleanup in reverse, telling cleanups the build succeeded", async () => {
    const log: string[] = [];
    const records = await runSteps([step("a", log), step("b", log), step("c", log)], { log });
    expect(log).toEqual(["run a", "run b", "run c", "cleanup c (succeeded)", "cleanup b (succeeded)", "cleanup a (succeeded)"]);
    expect(records.map((r) => [r.name, r.outcome])).toEqual([["a", "done"], ["b", "done"], ["c", "done"]]);
  });

  it("stops at a failed step, cleans up it and the steps before it (not those after), and names the step", async () => {
    const log: string[] = [];
    const err = await runSteps([step("a", log), step("b", log, { fail: true }), step("c", log)], { log }).catch((e: unknown) => e);
    expect(log).toEqual(["run a", "run b", "cleanup b", "cleanup a"]);
    expect(err).toBeInstanceOf(BuildFailure);
    const failure = err as BuildFailure;
    expect(failure.step).toBe("b");
    expect(failure.exitCode).toBe(1);
    expect(failure.message).toBe("build failed at step b (the b step): b broke");
    expect(failure.details).toEqual(["  | last line of b", "every cleanup ran: nothing this build created is left behind"]);
    expect(failure.steps.map((s) => s.outcome)).toEqual(["done", "failed", "skipped"]);
  });

  it("runs the other cleanups when one fails, and says what to delete by hand", async () => {
    const log: string[] = [];
    const err = (await runSteps([step("a", log), step("b", log, { cleanupFails: true }), step("c", log, { fail: true })], { log }).catch((e: unknown) => e)) as BuildFailure;
    expect(log).toEqual(["run a", "run b", "run c", "cleanup c", "cleanup b", "cleanup a"]);
    expect(err.details).toEqual(["  | last line of c", "cleanup of b failed: cannot delete b's resource", "  delete by hand: aws ec2 delete-thing --id b-1"]);
  });

  it("fails a build that succeeded when a cleanup did not, naming what is left", async () => {
    const log: string[] = [];
    const err = (await runSteps([step("a", log, { cleanupFails: true }), step("b", log)], { log }).catch((e: unknown) => e)) as BuildFailure;
    expect(err).toBeInstanceOf(BuildFailure);
    expect(err.message).toBe("the build succeeded but 1 cleanup(s) failed");
    expect(err.details).toContain("  delete by hand: aws ec2 delete-thing --id a-1");
  });

  it("cancels through the signal: the running step sees it, no later step runs, every started step is cleaned up", async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const waiting: Step<{ log: string[] }> = {
      name: "wait",
      title: "wait for the builder",
      async run(_s, ctx) {
        log.push("run wait");
        controller.abort(new Error("cancelled by SIGINT"));
        if (ctx.signal.aborted) throw ctx.signal.reason;
      },
      async cleanup() {
        log.push("cleanup wait");
      },
    };
    const err = (await runSteps([step("a", log), waiting, step("c", log)], { log }, { signal: controller.signal }).catch((e: unknown) => e)) as BuildFailure;
    expect(log).toEqual(["run a", "run wait", "cleanup wait", "cleanup a"]);
    expect(err.cancelled).toBe(true);
    expect(err.step).toBe("wait");
    expect(err.message).toBe("build cancelled at step wait (wait for the builder): cancelled");
  });

  it("runs nothing when cancelled before the first step", async () => {
    const log: string[] = [];
    const controller = new AbortController();
    controller.abort();
    const err = (await runSteps([step("a", log)], { log }, { signal: controller.signal }).catch((e: unknown) => e)) as BuildFailure;
    expect(log).toEqual([]);
    expect(err.cancelled).toBe(true);
  });

  it("reports each step's start, progress, end and failed cleanups to the reporter", async () => {
    const events: string[] = [];
    const reporter: Reporter = {
      stepStarted: (s) => events.push(`start ${s.name}`),
      stepProgress: (s, m) => events.push(`progress ${s.name}: ${m}`),
      stepFinished: (s, outcome) => events.push(`${outcome} ${s.name}`),
      cleanupFinished: (s, outcome) => events.push(`cleanup ${outcome} ${s.name}`),
    };
    const talky: Step<object> = { name: "t", title: "talk", run: async (_s, ctx) => ctx.progress("half way"), cleanup: async () => { throw new Error("no"); } };
    await runSteps([talky], {}, { reporter }).catch(() => undefined);
    expect(events).toEqual(["start t", "progress t: half way", "done t", "cleanup failed t"]);
  });

  it("runs independent steps side by side, the first failure cancelling the others, and cleans up all of them", async () => {
    const log: string[] = [];
    let slowSawCancel = false;
    const slow: Step<{ log: string[] }> = {
      name: "slow",
      title: "a slow one",
      run: (_s, ctx) =>
        new Promise<void>((resolve, reject) => {
          log.push("run slow");
          const timer = setTimeout(resolve, 5000);
          ctx.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            slowSawCancel = true;
            reject(new Error("stopped"));
          });
        }),
      cleanup: async () => void log.push("cleanup slow"),
    };
    const both = concurrently("build", "both at once", [slow, step("fast", log, { fail: true })]);
    const t0 = Date.now();
    const err = (await runSteps([step("a", log), both], { log }).catch((e: unknown) => e)) as BuildFailure;
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(slowSawCancel).toBe(true);
    expect(err.step).toBe("build");
    expect(err.message).toBe("build failed at step build (both at once): fast: fast broke");
    expect(err.details[0]).toBe("  | last line of fast");
    expect(log).toEqual(["run a", "run slow", "run fast", "cleanup fast", "cleanup slow", "cleanup a"]);
  });
});
