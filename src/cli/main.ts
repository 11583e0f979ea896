// The program: the command table turned into commander commands, and the one place where errors
// become messages and exit codes.

// The AWS SDK warns once per process that it will need Node 22; on Node 20 it works, and the warning would break --json consumers reading stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { Command, CommanderError } from "commander";
import type { CommandResult } from "../commands/result.js";
import { EXIT, UniboxError } from "../errors.js";
import { COMMANDS, GROUP_SUMMARIES, groupOptions, type CommandSpec } from "./commands.js";
import { Input } from "./input.js";

const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  runtime failure
  2  usage error or invalid stack definition
  3  identity: tags missing, unknown or contradictory (nothing was started)
  4  not healthy before the deadline`;

type OnRun = (result: Promise<CommandResult>, opts: Record<string, unknown>) => void;

/** Builds the program; `onRun` receives the chosen command's pending result and its options. */
export function buildProgram(onRun: OnRun): Command {
  const program = new Command("unibox")
    .description("One machine image for a whole company's services; the instance's tags decide what each box runs.")
    .option("--verbose", "print stack traces with errors")
    .addHelpText("after", EXIT_CODES_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const groups = new Map<string, Command>();
  for (const spec of COMMANDS) {
    const words = spec.name.split(" ");
    let parent = program;
    // `image build`: the group is a command of its own, with `help` and its subcommands listed.
    for (const word of words.slice(0, -1)) {
      let group = groups.get(word);
      if (!group) {
        group = program.command(word).description(GROUP_SUMMARIES[word] ?? `${word} commands`).exitOverride().showSuggestionAfterError(true);
        group.addHelpText("after", EXIT_CODES_HELP);
        groups.set(word, group);
      }
      parent = group;
    }
    const name = words.at(-1)!;
    const cmd = parent.command(spec.args ? `${name} ${spec.args}` : name).description(spec.summary);
    addOptions(cmd, spec);
    cmd.addHelpText("after", EXIT_CODES_HELP);
    cmd.exitOverride();
    cmd.action((...actionArgs: unknown[]) => {
      const command = actionArgs.at(-1) as Command;
      const opts = { ...program.opts(), ...command.opts() };
      onRun(Promise.resolve().then(() => spec.run(new Input(opts, command.args))), opts);
    });
  }
  return program;
}

function addOptions(cmd: Command, spec: CommandSpec): void {
  cmd.option("--root <dir>", "the stack definition", process.env.UNIBOX_ROOT ?? ".");
  cmd.option("--json", "print one JSON document on stdout");
  for (const group of spec.groups) for (const option of groupOptions(group)) cmd.addOption(option);
  for (const option of spec.options ?? []) cmd.addOption(option);
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  // What boot writes gets the modes it asks for; nothing is left world-writable by an inherited umask.
  process.umask(0o022);
  let pending: { result: Promise<CommandResult>; opts: Record<string, unknown> } | undefined;
  const program = buildProgram((result, opts) => {
    pending = { result, opts };
    result.catch(() => undefined); // handled below; avoids an unhandled-rejection warning meanwhile
  });
  // Known before parsing: a usage error must still answer --json with JSON.
  const json = argv.includes("--json");
  try {
    await program.parseAsync(argv, { from: "user" });
    if (!pending) throw new CommanderError(EXIT.usage, "unibox.noCommand", "no command given");
    const out = await pending.result;
    process.stdout.write(pending.opts.json ? `${JSON.stringify(out.json, null, 2)}\n` : out.text.endsWith("\n") || out.text === "" ? out.text : `${out.text}\n`);
    return out.exitCode ?? EXIT.ok;
  } catch (err) {
    const askedForHelp = argv.some((a) => a === "--help" || a === "-h" || a === "help" || a === "--version");
    return report(err, Boolean(pending?.opts.verbose ?? argv.includes("--verbose")), json, askedForHelp);
  }
}

function report(err: unknown, verbose: boolean, json: boolean, askedForHelp: boolean): number {
  const printJson = (message: string, exitCode: number, details: string[] = []) => {
    if (json) process.stdout.write(`${JSON.stringify({ error: { message, exitCode, details } }, null, 2)}\n`);
  };
  if (err instanceof CommanderError) {
    // Commander has printed its own message. Help asked for and the version are not errors; help shown
    // because no command (or no subcommand of a group) was given is.
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || (err.code === "commander.help" && askedForHelp)) return EXIT.ok;
    printJson(err.message.replace(/^error: /, ""), EXIT.usage);
    return EXIT.usage;
  }
  if (err instanceof UniboxError) {
    printJson(err.message, err.exitCode, err.details);
    const lines = err.name === "StackError" ? [...err.details, `unibox: ${err.message}`] : [`unibox: ${err.message}`, ...err.details.map((d) => `  ${d}`)];
    process.stderr.write(`${lines.join("\n")}\n`);
    if (verbose) process.stderr.write(`${stackWithCauses(err)}\n`);
    return err.exitCode;
  }
  const message = `unexpected error: ${(err as Error)?.message ?? String(err)}`;
  printJson(message, EXIT.runtime);
  process.stderr.write(`unibox: ${message}\n`);
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
