// `unibox rollout --asg NAME` (an instance refresh to a pinned launch-template version, with auto-rollback) and
// `unibox rollback --launch-template LT` (the previous version the default again).
import { UsageError } from "../errors.js";
import { autoScalingClient, cancelOnSignals, ec2Client, progressLine } from "./aws-clients.js";
import type { CommandResult } from "./result.js";

export async function rolloutCommand(options: { asg: string; minHealthy: number; checkpoints?: string; version?: string; dryRun: boolean; timeoutMs: number }): Promise<CommandResult> {
  const checkpoints = options.checkpoints === undefined ? undefined : parseCheckpoints(options.checkpoints);
  const { rollout } = await import("../autoscaling/index.js");
  const { signal, release } = cancelOnSignals();
  try {
    const result = await rollout(
      { autoscaling: await autoScalingClient(), ec2: await ec2Client(), progress: progressLine, signal, timeoutMs: options.timeoutMs },
      { asg: options.asg, minHealthy: options.minHealthy, checkpoints, dryRun: options.dryRun, version: options.version },
    );
    const target = `${result.launchTemplate.name || result.launchTemplate.id} version ${result.launchTemplate.version}${result.imageId ? ` (${result.imageId})` : ""}`;
    const text = options.dryRun
      ? result.replaced?.length
        ? `dry run: a refresh of ${result.asg} to ${target} would replace ${result.replaced.length} instance(s):\n${result.replaced.map((i) => `  ${i}`).join("\n")}`
        : `dry run: every instance of ${result.asg} already runs ${target}; a refresh would replace none`
      : `${result.asg} runs ${target}: instance refresh ${result.refreshId} ${result.status}`;
    return { json: result, text };
  } finally {
    release();
  }
}

export async function rollbackCommand(options: { launchTemplate: string }): Promise<CommandResult> {
  const { rollbackLaunchTemplate } = await import("../ec2/launch-template/index.js");
  const result = await rollbackLaunchTemplate({ ec2: await ec2Client() }, { launchTemplate: options.launchTemplate });
  return {
    json: result,
    text: `${result.launchTemplateName} (${result.launchTemplateId}): version ${result.to}${result.imageId ? ` (${result.imageId})` : ""} is the default again (was ${result.from}); roll it out: unibox rollout --asg NAME`,
  };
}

/** `20,50,100` -> [20, 50, 100]; ascending, each 1-100, the last 100 (what AWS accepts). */
export function parseCheckpoints(text: string): number[] {
  const values = text.split(",").map((s) => s.trim());
  const numbers = values.map((v) => (/^\d+$/.test(v) ? Number(v) : Number.NaN));
  const fine = numbers.every((n, i) => Number.isInteger(n) && n >= 1 && n <= 100 && (i === 0 || n > numbers[i - 1])) && numbers.at(-1) === 100;
  if (!fine) throw new UsageError(`--checkpoints ${JSON.stringify(text)}: expected ascending percentages ending at 100, e.g. 20,50,100`);
  return numbers;
}

