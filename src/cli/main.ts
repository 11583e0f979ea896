// The command table, and the one place where errors become messages and exit codes.

// The AWS SDK warns once per process that it will need Node 22; on Node 20 it works, and the warning would break --json consumers reading stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { Command, CommanderError, Option } from "commander";
import { EXIT, UniboxError } from "./errors.js";
import { collect } from "./options.js";
import type { CommandResult } from "./output.js";

const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  runtime failure
  2  usage error or invalid stack definition
  3  identity: tags missing, unknown or contradictory (nothing was started)
  4  not healthy before the deadline`;

type Handler = (opts: Record<string, unknown>, args: string[]) => Promise<CommandResult>;

interface CommandSpec {
  name: string;
  args?: string;
  summary: string;
  options: ("identity" | "box" | "prefix")[];
  extra?: (cmd: Command) => void;
  run: Handler;
}

// Each handler imports its module only when its command runs: `boot` must not pay for what `image` loads.
const COMMANDS: CommandSpec[] = [
  {
    name: "validate",
    summary: "check the stack definition; every error as file:line:col",
    options: [],
    run: async (o) => (await import("../stack/validate-command.js")).validateCommand({ root: o.root as string }),
  },
  {
    name: "plan",
    summary: "what this box would run: instances, replicas, ports, users, env layers, order",
    options: ["identity", "box", "prefix"],
    run: async (o) => (await import("../plan/plan-command.js")).planCommand(o as never),
  },
  {
    name: "env",
    args: "<instance>",
    summary: "the resolved environment of one instance, each variable with its layer",
    options: ["identity", "box", "prefix"],
    run: async (o, [instance]) => (await import("../plan/env-command.js")).envCommand({ ...(o as object), instance } as never),
  },
  {
    name: "boot",
    summary: "read tags, write runit service dirs, supervise; converge to the plan",
    options: ["identity", "box", "prefix"],
    extra: (cmd) =>
      cmd
        .option("--service-dir <dir>", "the directory runsvdir scans (default: <prefix>/etc/service, links followed)")
        .option("--wait <secs>", "return when every instance is healthy; exit 4 if not within secs")
        .option("--status-port <port>", "port of the box's health endpoint, unibox.status (plus the port offset; 0: none)", "9100"),
    run: async (o) => (await import("../runtime/boot.js")).bootCommand(o as never),
  },
  {
    name: "serve-status",
    summary: "the box's health endpoint (GET /health: 200 while every instance is healthy); boot runs it as unibox.status",
    options: ["prefix"],
    extra: (cmd) => cmd.requiredOption("--port <port>", "port to listen on").option("--host <addr>", "address to listen on", "127.0.0.1"),
    run: async (o) => (await import("../runtime/status-service.js")).serveStatusCommand(o as never),
  },
  {
    name: "status",
    summary: "each instance: state, pid, uptime, health, last exit",
    options: ["prefix"],
    run: async (o) => (await import("../runtime/status.js")).statusCommand(o as never),
  },
  {
    name: "restart",
    args: "[target]",
    summary: "restart SERVICE[.COMPONENT] (default: all) one replica at a time, each healthy before the next",
    options: ["prefix"],
    run: async (o, [target]) => (await import("../runtime/restart.js")).restartCommand({ ...(o as object), target } as never),
  },
  {
    name: "down",
    summary: "stop everything gracefully, dependents first; --reset removes what boot generated",
    options: ["prefix"],
    extra: (cmd) => cmd.option("--reset", "also stop runsvdir and remove generated files, as on a new instance (logs stay)"),
    run: async (o) => (await import("../runtime/down.js")).downCommand(o as never),
  },
];

function addOptions(cmd: Command, spec: CommandSpec): void {
  cmd.option("--root <dir>", "the stack definition", process.env.UNIBOX_ROOT ?? ".");
  cmd.option("--json", "print one JSON document on stdout");
  if (spec.options.includes("identity")) {
    cmd.option("--tags-file <file>", "tags as a JSON object or KEY=VALUE lines (instead of EC2)");
    cmd.option("--tag <key=value>", "a tag (repeatable; overrides --tags-file)", collect, []);
    cmd.option("--tag-wait <secs>", "how long to wait for required tags from EC2", "60");
  }
  if (spec.options.includes("box")) {
    cmd.option("--cpus <n>", "vCPUs to plan per-CPU replicas for (default: this machine's)");
    cmd.addOption(new Option("--port-offset <n>", "added to every port (review boxes side by side)").default("0"));
  }
  if (spec.options.includes("prefix")) cmd.option("--prefix <dir>", "root of every on-box path", "/");
  spec.extra?.(cmd);
}

/** Builds the program; `run` receives the result of the chosen command. */
export function buildProgram(onResult: (spec: CommandSpec, result: Promise<CommandResult>, opts: Record<string, unknown>) => void): Command {
  const program = new Command("unibox")
    .description("One machine image for a whole company's services; the instance's tags decide what each box runs.")
    .option("--verbose", "print stack traces with errors")
    .addHelpText("after", EXIT_CODES_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.args ? `${spec.name} ${spec.args}` : spec.name).description(spec.summary);
    addOptions(cmd, spec);
    cmd.addHelpText("after", EXIT_CODES_HELP);
    cmd.exitOverride();
    cmd.action((...actionArgs: unknown[]) => {
      const command = actionArgs.at(-1) as Command;
      const opts = { ...program.opts(), ...command.opts() };
      onResult(spec, spec.run(opts, command.args), opts);
    });
  }
  return program;
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  let pending: { result: Promise<CommandResult>; opts: Record<string, unknown> } | undefined;
  const program = buildProgram((_spec, result, opts) => {
    pending = { result, opts };
    result.catch(() => undefined); // handled below; avoids an unhandled-rejection warning meanwhile
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    if (!pending) {
      program.outputHelp();
      return EXIT.usage;
    }
    const out = await pending.result;
    process.stdout.write(pending.opts.json ? `${JSON.stringify(out.json, null, 2)}\n` : out.text.endsWith("\n") || out.text === "" ? out.text : `${out.text}\n`);
    return out.exitCode ?? EXIT.ok;
  } catch (err) {
    return report(err, Boolean(pending?.opts.verbose ?? argv.includes("--verbose")), Boolean(pending?.opts.json));
  }
}

function report(err: unknown, verbose: boolean, json: boolean): number {
  if (err instanceof CommanderError) {
    // Commander has printed its own message; help and version are not errors.
    return err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help" ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UniboxError) {
    if (json) process.stdout.write(`${JSON.stringify({ error: { message: err.message, exitCode: err.exitCode, details: err.details } }, null, 2)}\n`);
    const lines = err.name === "StackError" ? [...err.details, `unibox: ${err.message}`] : [`unibox: ${err.message}`, ...err.details.map((d) => `  ${d}`)];
    process.stderr.write(`${lines.join("\n")}\n`);
    if (verbose) process.stderr.write(`${stackWithCauses(err)}\n`);
    return err.exitCode;
  }
  process.stderr.write(`unibox: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
  if (verbose) process.stderr.write(`${stackWithCauses(err)}\n`);
  else process.stderr.write("  (run with --verbose for the stack trace)\n");
  return EXIT.runtime;
}

function stackWithCauses(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as Error | undefined, depth = 0; e && depth < 5; e = e.cause as Error | undefined, depth++) {
    parts.push(depth === 0 ? String(e.stack) : `caused by: ${String(e.stack ?? e)}`);
  }
  return parts.join("\n");
}
