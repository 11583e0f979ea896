// `unibox serve-status`: the health endpoint boot supervises as `unibox.status`; runs until TERM.
import { serveStatus } from "../runtime/status-service.js";
import type { CommandResult } from "./result.js";

export async function serveStatusCommand(options: { prefix: string; port: number; host: string }): Promise<CommandResult> {
  // Its log is svlogd's: one line saying where it listens.
  await serveStatus({ ...options, onListening: (url) => process.stdout.write(`unibox.status on ${url}\n`) });
  return { json: { stopped: true }, text: "unibox.status stopped" };
}
