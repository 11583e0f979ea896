// Step write-stack: the stack definition and manifest.json, by the script's `stack` phase.
import { runScript } from "../../run-script.js";
import type { Step } from "../../runner.js";
import { scriptEnv, type LocalState } from "./state.js";

export const writeStack: Step<LocalState> = {
  name: "write-stack",
  title: "write the stack definition and manifest.json",
  async run(state, ctx) {
    await runScript({ file: state.script, phases: ["stack"], env: scriptEnv(state, state.tree), signal: ctx.signal, progress: ctx.progress });
  },
};
