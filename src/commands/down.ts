// `unibox down [--reset]`: stop everything gracefully, dependents first.
import { down } from "../runtime/down.js";
import type { CommandResult } from "./result.js";

export async function downCommand(options: { prefix: string; reset: boolean }): Promise<CommandResult> {
  const r = await down(options);
  const what = `stopped ${r.stopped.length} instances in ${r.seconds.toFixed(1)} s${r.failed.length ? `; ${r.failed.length} did not stop within their grace: ${r.failed.join(", ")}` : ""}`;
  const then = r.reset ? "; removed what boot generated (logs kept)" : "; `unibox boot` starts them again";
  return { json: r, text: `${r.note ? `note: ${r.note}\n` : ""}${what}${then}`, exitCode: r.failed.length > 0 ? 1 : 0 };
}
