// Runs phases of the provisioning script on this machine (the local target), reporting each phase as it
// starts and, when one fails, the phase and its last log lines as the script prints them.
import { execa } from "execa";
import { RuntimeFailure } from "../errors.js";

export interface ScriptRun {
  /** The rendered script on disk. */
  file: string;
  /** UNIBOX_PHASES */
  phases: string[];
  env: Record<string, string>;
  signal: AbortSignal;
  progress(message: string): void;
}

/** Runs the script; throws a RuntimeFailure naming the failed phase with its log lines as details. */
export async function runScript(run: ScriptRun): Promise<void> {
  const lines: string[] = [];
  // TERM when unibox dies, even by -9: the script's trap then stops its running phase, whole.
  const child = execa("setpriv", ["--pdeathsig", "TERM", "--", "bash", run.file], {
    // Only what the script needs: the builder's own environment (cloud credentials, tokens) stays out of build steps.
    env: { ...run.env, UNIBOX_PHASES: run.phases.join(" ") },
    extendEnv: false,
    cancelSignal: run.signal,
    reject: false,
    all: true,
    buffer: false,
    stdin: "ignore",
  });
  child.all?.setEncoding("utf8");
  let rest = "";
  child.all?.on("data", (chunk: string) => {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      if (lines.length > 400) lines.shift();
      const phase = /UNIBOX-BUILD-PHASE (\S+)/.exec(line);
      if (phase) run.progress(`phase ${phase[1]}`);
    }
  });
  const result = await child;
  if (rest) lines.push(rest);
  if (result.exitCode === 0) return;
  if (run.signal.aborted) throw new RuntimeFailure("cancelled", { cause: run.signal.reason });
  const failed = lines.map((l) => /UNIBOX-BUILD-FAILED phase=(\S+) exit=(\d+)/.exec(l)).find(Boolean);
  const begin = lines.findIndex((l) => l.includes("UNIBOX-LOG-BEGIN"));
  const end = lines.findIndex((l, i) => i > begin && l.includes("UNIBOX-LOG-END"));
  const log = begin >= 0 ? lines.slice(begin + 1, end > begin ? end : undefined) : lines.slice(-40);
  throw new RuntimeFailure(
    failed ? `provisioning phase ${failed[1]} failed (exit ${failed[2]})` : `provisioning script exited ${result.exitCode ?? result.signal}`,
    { details: log.map((l) => `  | ${l}`) },
  );
}
