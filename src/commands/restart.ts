// `unibox restart [SERVICE[.COMPONENT]]`: one replica at a time, each healthy before the next.
import { restart } from "../runtime/restart.js";
import type { CommandResult } from "./result.js";

export async function restartCommand(options: { prefix: string; target?: string }): Promise<CommandResult> {
  const r = await restart(options);
  return { json: r, text: `restarted ${r.restarted.join(", ")} one at a time in ${r.seconds.toFixed(1)} s` };
}
