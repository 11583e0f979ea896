// `unibox status`: each instance's state, pid, uptime, health and last exit, as a table or JSON.
import { boxStatus } from "../runtime/status.js";
import { table, type CommandResult } from "./result.js";

export async function statusCommand(options: { prefix: string }): Promise<CommandResult> {
  const s = await boxStatus(options.prefix);
  const healthy = s.instances.filter((i) => i.healthy).length;
  const rows = [
    ["INSTANCE", "STATE", "PID", "UPTIME", "HEALTHY", "PORT", "LAST EXIT"],
    ...s.instances.map((i) => [
      i.name,
      i.state + (i.wantDown && i.state !== "down" ? " (want down)" : ""),
      String(i.pid ?? "-"),
      i.uptimeSeconds === null ? "-" : `${i.uptimeSeconds}s`,
      i.healthy ? "yes" : "no",
      String(i.port ?? "-"),
      i.lastExit ? `${i.lastExit.signal ? `signal ${i.lastExit.signal}` : `code ${i.lastExit.code}`} at ${i.lastExit.at}${i.crashes ? `, ${i.crashes} crashes in a row` : ""}` : "-",
    ]),
  ];
  const what = s.mode ? `${s.mode} box "${s.box?.name}"` : "box";
  const endpoint = s.statusService
    ? `health endpoint ${s.statusService.url}: ${s.statusService.state}${s.statusService.healthy ? "" : " (not answering)"}`
    : "no health endpoint (booted with --status-port 0)";
  return {
    json: s,
    text: [`${what} under ${s.prefix}: ${healthy}/${s.instances.length} healthy`, ...(s.note ? [`note: ${s.note}`] : []), endpoint, "", table(rows)].join("\n"),
  };
}
