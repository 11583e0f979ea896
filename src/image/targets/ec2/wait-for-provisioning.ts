// Step 3: wait for the builder to run the provisioning script and power itself off, then read the verdict
// from its console: the script prints UNIBOX-BUILD-OK (with the image tree's digest) or UNIBOX-BUILD-FAILED
// with the failing phase's last log lines. The console can lag the stop, so it is read again for a while.
import { DescribeInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import { RuntimeFailure } from "../../../errors.js";
import { pollRounds } from "../../../shared/poll.js";
import type { Step, StepContext } from "../../runner.js";
import { awsFailure } from "./aws-error.js";
import { parseConsole, type ConsoleReport } from "./console-markers.js";
import { formatDuration } from "./duration.js";
import { ConsoleReader } from "./read-console.js";
import { NOT_FOUND_AFTER_CREATE, withRetry } from "./retry.js";
import { sleep } from "./sleep.js";
import type { Ec2BuildState } from "./state.js";

// Without news, a progress line this often, so a long build is seen to be alive.
const QUIET_PROGRESS_MS = 60_000;

/** Polls the builder until it stopped and its console holds the OK marker; any other ending fails the step. */
export const waitForProvisioningStep: Step<Ec2BuildState> = {
  name: "wait-for-provisioning",
  title: "wait for the builder to provision and power off",
  async run(state, ctx) {
    const { ec2, timing } = state.settings;
    const instanceId = state.instanceId!;
    const consoleReader = new ConsoleReader(ec2, timing.retry);
    const started = Date.now();
    let stoppedAt: number | undefined;
    let report: ConsoleReport = parseConsole("");
    const progress = quietProgress(ctx, instanceId, started);

    const result = await pollRounds({ timeoutMs: timing.buildTimeoutMs, intervalMs: timing.pollMs, sleep: (ms) => sleep(ms, ctx.signal) }, async () => {
      const instance = await describeBuilder(state, ctx);
      const status = instance.State?.Name ?? "unknown";
      if (status === "shutting-down" || status === "terminated") {
        throw new RuntimeFailure(
          `the builder ${instanceId} was ${status === "terminated" ? "terminated" : "terminating"} before it finished provisioning (${instance.StateReason?.Message ?? "no reason given"}): expected it to stop by itself; was it terminated by hand or by a policy?`,
          { details: tailDetails(report) },
        );
      }
      if (status !== "pending") report = parseConsole(await readConsole(consoleReader, instanceId, ctx));
      progress(status, report.phases);
      const outcome = report.outcome;
      if (status === "stopped") stoppedAt ??= Date.now();
      const consoleWaitOver = stoppedAt !== undefined && Date.now() - stoppedAt >= timing.consoleTimeoutMs;
      if (outcome?.kind === "failed" && (outcome.logComplete || consoleWaitOver)) throw provisioningFailed(instanceId, outcome);
      if (status === "stopped" && outcome?.kind === "ok") {
        if (outcome.fingerprint !== state.input.fingerprint) {
          throw new RuntimeFailure(
            `the builder ${instanceId} reported fingerprint ${outcome.fingerprint} but this build's is ${state.input.fingerprint}: its user data was not this build's script`,
          );
        }
        state.tree = outcome.tree;
        return { done: true, value: status };
      }
      if (consoleWaitOver) {
        throw new RuntimeFailure(
          `the builder ${instanceId} powered off but its console shows neither UNIBOX-BUILD-OK nor UNIBOX-BUILD-FAILED after ${formatDuration(timing.consoleTimeoutMs)}: the provisioning script did not finish (it was killed, or the machine shut down for another reason); the console's last lines follow`,
          { details: tailDetails(report) },
        );
      }
      return { done: false, value: status };
    });
    if (!result.done) {
      throw new RuntimeFailure(
        `the builder ${instanceId} did not finish provisioning within ${formatDuration(timing.buildTimeoutMs)} (it is ${result.value}${report.phases.length ? `, in phase ${report.phases.at(-1)}` : ""}): raise the build timeout, or look at the console's last lines below`,
        { details: tailDetails(report) },
      );
    }
  },
};

async function describeBuilder(state: Ec2BuildState, ctx: StepContext): Promise<Instance> {
  const { ec2, timing } = state.settings;
  try {
    const out = await withRetry(() => ec2.send(new DescribeInstancesCommand({ InstanceIds: [state.instanceId!] }), { abortSignal: ctx.signal }), {
      policy: timing.retry,
      signal: ctx.signal,
      retryOn: [NOT_FOUND_AFTER_CREATE.instance],
    });
    return out.Reservations?.[0]?.Instances?.[0] ?? { State: { Name: "terminated" } };
  } catch (error) {
    throw awsFailure(`checking the builder ${state.instanceId}`, "ec2:DescribeInstances", error);
  }
}

async function readConsole(reader: ConsoleReader, instanceId: string, ctx: StepContext): Promise<string> {
  try {
    return await reader.read(instanceId, ctx.signal);
  } catch (error) {
    throw awsFailure(`reading the console of the builder ${instanceId}`, "ec2:GetConsoleOutput", error);
  }
}

// The FAILED marker: the phase and exit status in the message, the log lines as details the runner prints.
function provisioningFailed(instanceId: string, outcome: { phase: string; exit: number; log: string[]; logComplete: boolean }): RuntimeFailure {
  const log = outcome.log.length ? outcome.log : ["(the script printed no log lines)"];
  return new RuntimeFailure(`provisioning failed in phase ${outcome.phase} (exit status ${outcome.exit}) on the builder ${instanceId}; its last log lines follow`, {
    details: outcome.logComplete ? log : [...log, "(the log was cut short: the console did not show its end)"],
  });
}

function tailDetails(report: ConsoleReport): string[] {
  return report.tail.length ? ["console (last lines):", ...report.tail.map((l) => `  ${l}`)] : ["the console was empty"];
}

// Reports each new phase and each change of state at once, and otherwise once a minute.
function quietProgress(ctx: StepContext, instanceId: string, started: number): (status: string, phases: string[]) => void {
  let lastStatus = "";
  let phasesSeen = 0;
  let lastAt = 0;
  return (status, phases) => {
    const now = Date.now();
    const fresh = phases.slice(phasesSeen);
    if (status === lastStatus && fresh.length === 0 && now - lastAt < QUIET_PROGRESS_MS) return;
    const shown = fresh.length ? fresh : phases.slice(-1);
    for (const phase of shown.length ? shown : [undefined]) {
      ctx.progress(`${instanceId} ${status}${phase ? `, phase ${phase}` : ""} (${formatDuration(now - started)})`);
    }
    lastStatus = status;
    phasesSeen = phases.length;
    lastAt = now;
  };
}
