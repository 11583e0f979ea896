// Progress of a build on stderr: a live task list (listr2) on a terminal, timestamped lines elsewhere and in CI.
// stdout stays for the result (--json).
import type { Reporter } from "./runner.js";

type StepRef = { name: string; title: string };

const secs = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** One timestamped line per event: what CI logs keep. */
export function plainReporter(write: (line: string) => void = (l) => process.stderr.write(`${l}\n`), now: () => Date = () => new Date()): Reporter {
  const stamp = () => now().toISOString().slice(11, 19);
  return {
    stepStarted: (s) => write(`${stamp()} ▸ ${s.name}: ${s.title}`),
    stepProgress: (s, m) => write(`${stamp()}   ${s.name}: ${m}`),
    stepFinished: (s, outcome, ms, error) =>
      write(outcome === "done" ? `${stamp()} ✓ ${s.name} (${secs(ms)})` : `${stamp()} ✗ ${s.name} ${outcome} after ${secs(ms)}${error instanceof Error ? `: ${error.message}` : ""}`),
    cleanupFinished: (s, outcome, ms, error) => {
      if (outcome === "failed") write(`${stamp()} ✗ cleanup of ${s.name} failed after ${secs(ms)}: ${error instanceof Error ? error.message : String(error)}`);
    },
  };
}

/** Whether to draw the live list: a terminal, and not CI. */
export function wantsLiveList(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.CI && env.TERM !== "dumb";
}

/**
 * A live task list drawn by listr2 for the given steps, fed by the runner's events. `done()` waits for the list to
 * finish drawing. Loaded only when drawn: CI and --json never pay for it.
 */
export async function liveReporter(steps: StepRef[]): Promise<{ reporter: Reporter; done(): Promise<void> }> {
  const { Listr, ProcessOutput } = await import("listr2");
  type Task = { output: string; title: string };
  const gates = steps.map(() => {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined);
    return { promise, resolve, reject, task: undefined as Task | undefined, pending: "", title: "" };
  });
  const index = (s: StepRef) => steps.findIndex((x) => x.name === s.name);
  const list = new Listr(
    steps.map((s, i) => ({
      title: `${s.name}: ${s.title}`,
      task: async (_ctx: unknown, task: Task) => {
        gates[i].task = task;
        if (gates[i].pending) task.output = gates[i].pending;
        // A step that finished before the list reached it: its title with its time all the same.
        if (gates[i].title) task.title = gates[i].title;
        await gates[i].promise;
      },
    })),
    { exitOnError: true, rendererOptions: { processOutput: new ProcessOutput(process.stderr, process.stderr) } as object },
  );
  const running = list.run().catch(() => undefined);
  const late: string[] = [];
  const reporter: Reporter = {
    stepStarted() {},
    stepProgress(s, m) {
      const g = gates[index(s)];
      if (!g) return;
      if (g.task) g.task.output = m;
      else g.pending = m;
    },
    stepFinished(s, outcome, ms, error) {
      const g = gates[index(s)];
      if (!g) return;
      g.title = `${s.name}: ${s.title} (${secs(ms)})`;
      if (g.task) g.task.title = g.title;
      if (outcome === "done") g.resolve();
      else g.reject(error instanceof Error ? error : new Error(`${outcome}`));
    },
    cleanupFinished(s, outcome, _ms, error) {
      if (outcome === "failed") late.push(`✗ cleanup of ${s.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    },
  };
  return {
    reporter,
    async done() {
      // Steps never reached (the build stopped earlier) are released so the list ends.
      gates.forEach((g) => g.reject(new Error("skipped")));
      await running;
      for (const l of late) process.stderr.write(`${l}\n`);
    },
  };
}
