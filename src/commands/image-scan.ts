// `unibox image scan ROOT [DIR...]`: what the build's secret scan finds in a tree, as the provisioning script's
// seal phase runs it on an AWS builder (and anyone may, on a tree of their own). Exit 1 when it finds anything.
import { join } from "node:path";
import { RuntimeFailure } from "../errors.js";
import { allowMatcher, scanSecrets, type SecretFinding } from "../image/secret-scan.js";
import type { CommandResult } from "./result.js";

export async function imageScanCommand(options: { root: string; dirs: string[]; allow: string[] }): Promise<CommandResult> {
  const allowed = allowMatcher(options.allow);
  const dirs = options.dirs.length ? options.dirs.map((d) => d.replace(/^\/+|\/+$/g, "")) : [""];
  const findings: SecretFinding[] = dirs
    .flatMap((d) => scanSecrets(join(options.root, d)).map((f) => ({ ...f, path: d ? `${d}/${f.path}` : f.path })))
    .filter((f) => !allowed(f.path));
  if (findings.length > 0) {
    throw new RuntimeFailure(`${findings.length} file(s) under ${options.root} look secret`, {
      details: [...findings.map((f) => `  /${f.path}: ${f.why} (${f.rule})`), "Remove them, or list their paths under allowSecrets in image/image.yaml if they are not secret."],
    });
  }
  return { json: { root: options.root, dirs, findings: [] }, text: `no secrets found under ${options.root} (${dirs.map((d) => `/${d}`).join(", ")})` };
}
