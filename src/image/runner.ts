// A build is a list of steps, each with a `run` and a `cleanup` (Packer's multistep). The runner runs them
// in order and then unwinds the cleanups in reverse, whatever happened: success, a failed step, or a
// cancel (Ctrl-C, SIGTERM) through the AbortSignal. A cleanup that fails does not stop the others; the
// build then fails naming what the user must delete by hand.
import { RuntimeFailure } from "../errors.js";

/** What a step may use while it runs. */
export interface StepContext {
  /** Aborted on Ctrl-C or SIGTERM: pass it to execa (`cancelSignal`) and the AWS SDK (`abortSignal`). */
  signal: AbortSignal;
  /** What a long step is doing now ("waiting for i-0abc to stop: running, 2 min"). */
  progress(message: string): void;
}

/** What a cleanup knows: whether the build as a whole succeeded (the image then stays). */
export interface CleanupContext {
  /** Every step's run succeeded: keep what the build made for the user (the image), remove the scaffolding. */
  succeeded: boolean;
  progress(message: string): void;
}

export interface Step<S> {
  /** kebab-case, stable: it is what a failure names (`launch-builder`). */
  name: string;
  /** What a person reads in the progress list ("launch the builder instance"). */
  title: string;
  run(state: S, ctx: StepContext): Promise<void>;
  /**
   * Undoes what `run` created. Called, last step first, for every step whose `run` was started (a run
   * that failed half-way may have created something), and only for those. Must be safe to call when
   * `run` created nothing. Throw a `CleanupFailure` to tell the user what to delete by hand.
   */
  cleanup?(state: S, ctx: CleanupContext): Promise<void>;
}

/** A cleanup that could not undo what its step made: `manual` says what to delete, one command or resource a line. */
export class CleanupFailure extends Error {
  readonly manual: string[];
  constructor(message: string, manual: string[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CleanupFailure";
    this.manual = manual;
  }
}

/** Receives what the runner does, to draw it (a live list on a terminal, timestamped lines elsewhere). */
export interface Reporter {
  stepStarted(step: { name: string; title: string }): void;
  stepProgress(step: { name: string; title: string }, message: string): void;
  stepFinished(step: { name: string; title: string }, outcome: "done" | "failed" | "cancelled", ms: number, error?: unknown): void;
  cleanupFinished(step: { name: string; title: string }, outcome: "done" | "failed", ms: number, error?: unknown): void;
}

/** A reporter that draws nothing (tests, --quiet). */
export const silentReporter: Reporter = { stepStarted() {}, stepProgress() {}, stepFinished() {}, cleanupFinished() {} };

export interface StepRecord {
  name: string;
  outcome: "done" | "failed" | "cancelled" | "skipped";
  ms: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  reporter?: Reporter;
}

/** A step failed or the build was cancelled; `step` is the one that failed (or was running when cancelled). */
export class BuildFailure extends RuntimeFailure {
  readonly step: string;
  readonly cancelled: boolean;
  readonly steps: StepRecord[];
  constructor(message: string, step: string, cancelled: boolean, steps: StepRecord[], options: { cause?: unknown; details?: string[] }) {
    super(message, options);
    this.step = step;
    this.cancelled = cancelled;
    this.steps = steps;
  }
}

/**
 * Runs `steps` in order on `state`, then every started step's cleanup in reverse. Resolves with each step's
 * record when all ran and every cleanup succeeded; otherwise throws a BuildFailure naming the step that failed
 * (or was cancelled) and, in its details, every cleanup that failed with what to delete by hand.
 */
export async function runSteps<S>(steps: Step<S>[], state: S, options: RunOptions = {}): Promise<StepRecord[]> {
  const signal = options.signal ?? new AbortController().signal;
  const reporter = options.reporter ?? silentReporter;
  const records: StepRecord[] = steps.map((s) => ({ name: s.name, outcome: "skipped", ms: 0 }));
  const started: number[] = [];
  let failure: { index: number; error: unknown; cancelled: boolean } | undefined;

  for (const [index, step] of steps.entries()) {
    if (signal.aborted) {
      failure ??= { index, error: signal.reason, cancelled: true };
      records[index].outcome = "cancelled";
      break;
    }
    started.push(index);
    reporter.stepStarted(step);
    const t0 = performance.now();
    try {
      await step.run(state, { signal, progress: (m) => reporter.stepProgress(step, m) });
      records[index] = { name: step.name, outcome: "done", ms: performance.now() - t0 };
      reporter.stepFinished(step, "done", records[index].ms);
    } catch (error) {
      const cancelled = signal.aborted;
      records[index] = { name: step.name, outcome: cancelled ? "cancelled" : "failed", ms: performance.now() - t0 };
      reporter.stepFinished(step, cancelled ? "cancelled" : "failed", records[index].ms, error);
      failure = { index, error, cancelled };
      break;
    }
  }

  const leftovers: string[] = [];
  for (const index of started.reverse()) {
    const step = steps[index];
    if (!step.cleanup) continue;
    const t0 = performance.now();
    try {
      await step.cleanup(state, { succeeded: failure === undefined, progress: (m) => reporter.stepProgress(step, m) });
      reporter.cleanupFinished(step, "done", performance.now() - t0);
    } catch (error) {
      reporter.cleanupFinished(step, "failed", performance.now() - t0, error);
      const manual = error instanceof CleanupFailure ? error.manual : [];
      leftovers.push(`cleanup of ${step.name} failed: ${errorText(error)}`, ...manual.map((m) => `  delete by hand: ${m}`));
    }
  }

  if (failure) {
    const step = steps[failure.index];
    const why = failure.cancelled ? "cancelled" : errorText(failure.error);
    throw new BuildFailure(`build ${failure.cancelled ? "cancelled" : "failed"} at step ${step.name} (${step.title}): ${why}`, step.name, failure.cancelled, records, {
      cause: failure.error,
      details: [...causeDetails(failure.error), ...(leftovers.length ? leftovers : ["every cleanup ran: nothing this build created is left behind"])],
    });
  }
  if (leftovers.length) {
    const last = steps[steps.length - 1];
    throw new BuildFailure(`the build succeeded but ${leftovers.filter((l) => !l.startsWith(" ")).length} cleanup(s) failed`, last.name, false, records, { details: leftovers });
  }
  return records;
}

/**
 * One step made of steps that need nothing from each other, run side by side (a repo's build and unibox's
 * install): the first to fail cancels the others, whose runs are awaited before it is reported; the cleanups
 * run as the runner runs any, last child first.
 */
export function concurrently<S>(name: string, title: string, children: Step<S>[]): Step<S> {
  return {
    name,
    title,
    async run(state, ctx) {
      const inner = new AbortController();
      const stop = () => inner.abort(ctx.signal.reason);
      ctx.signal.addEventListener("abort", stop, { once: true });
      let first: { child: string; error: unknown } | undefined;
      await Promise.all(
        children.map((child) =>
          child.run(state, { signal: inner.signal, progress: (m) => ctx.progress(`${child.name}: ${m}`) }).catch((error: unknown) => {
            first ??= { child: child.name, error };
            inner.abort(error);
          }),
        ),
      );
      ctx.signal.removeEventListener("abort", stop);
      if (first) {
        const cause = first.error as { message?: string; details?: unknown };
        throw Object.assign(new Error(`${first.child}: ${cause?.message ?? String(first.error)}`, { cause: first.error }), { details: cause?.details });
      }
    },
    async cleanup(state, ctx) {
      const failures: unknown[] = [];
      for (const child of [...children].reverse()) {
        if (!child.cleanup) continue;
        await child.cleanup(state, ctx).catch((e: unknown) => failures.push(e));
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) {
        throw new CleanupFailure(failures.map(errorText).join("; "), failures.flatMap((f) => (f instanceof CleanupFailure ? f.manual : [])));
      }
    },
  };
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

// A step's own failure may carry lines the user needs (the failing provisioning step's last log lines).
function causeDetails(error: unknown): string[] {
  const details = (error as { details?: unknown } | null)?.details;
  return Array.isArray(details) ? details.map(String) : [];
}
