// `unibox status`: each instance's state, pid, uptime, health and last exit.
import { table, type CommandResult } from "../cli/output.js";
import { readSavedPlan } from "./box-plan.js";
import { instancesHealth, publicState } from "./health.js";
import { boxPaths } from "./paths.js";
import { STATUS_INSTANCE } from "./status-service.js";

export async function statusCommand(options: { prefix: string; json?: boolean }): Promise<CommandResult> {
  const base = boxPaths(options.prefix);
  const saved = readSavedPlan(base);
  const paths = boxPaths(options.prefix, saved.serviceDir);
  const health = await instancesHealth(paths, saved.plan.instances.map((i) => i.name));
  const instances = health.map((h) => ({
    name: h.name,
    state: publicState(h.state),
    pid: h.pid ?? null,
    uptimeSeconds: h.uptimeSeconds ?? null,
    healthy: h.healthy,
    wantDown: h.wantDown,
    lastExit: h.lastExit ?? null,
    crashes: h.crashes,
    port: saved.plan.instances.find((i) => i.name === h.name)?.port ?? null,
  }));
  const healthy = instances.filter((i) => i.healthy).length;
  // The box's own health endpoint, reported apart from the stack's instances.
  const [service] = saved.statusUrl ? await instancesHealth(paths, [STATUS_INSTANCE]) : [];
  const statusService = service && { url: saved.statusUrl, state: publicState(service.state), pid: service.pid ?? null, healthy: service.healthy };
  const rows = [
    ["INSTANCE", "STATE", "PID", "UPTIME", "HEALTHY", "PORT", "LAST EXIT"],
    ...instances.map((i) => [
      i.name,
      i.state + (i.wantDown && i.state !== "down" ? " (want down)" : ""),
      String(i.pid ?? "-"),
      i.uptimeSeconds === null ? "-" : `${i.uptimeSeconds}s`,
      i.healthy ? "yes" : "no",
      String(i.port ?? "-"),
      i.lastExit ? `${i.lastExit.signal ? `signal ${i.lastExit.signal}` : `code ${i.lastExit.code}`} at ${i.lastExit.at}${i.crashes ? `, ${i.crashes} crashes in a row` : ""}` : "-",
    ]),
  ];
  return {
    json: { mode: saved.plan.mode, box: saved.plan.box, instances, statusService: statusService ?? null },
    text: [
      `${saved.plan.mode} box "${saved.plan.box.name}" under ${paths.prefix}: ${healthy}/${instances.length} healthy`,
      statusService ? `health endpoint ${statusService.url}: ${statusService.state}${statusService.healthy ? "" : " (not answering)"}` : "no health endpoint (booted with --status-port 0)",
      "",
      table(rows),
    ].join("\n"),
    exitCode: 0,
  };
}
