// Reads a stack definition (roles/, envdirs/, image/), checks it whole, and returns it or every error at once.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { StackError, type Diagnostic } from "./diagnostic.js";
import { loadEnvScopes } from "./envdirs/load.js";
import { loadImage } from "./image/load.js";
import { loadRoles } from "./roles/load.js";
import { entryRule } from "./rules/entry.js";
import { envScopesRule } from "./rules/env-scopes.js";
import { needsRule } from "./rules/needs.js";
import { portsRule } from "./rules/ports.js";
import { reposRule } from "./rules/repos.js";
import type { Rule, RuleContext } from "./rules/rule.js";
import { templatesRule } from "./rules/templates.js";
import type { Stack } from "./types.js";

const RULES: Rule[] = [needsRule, portsRule, entryRule, reposRule, envScopesRule, templatesRule];

/**
 * The stack at `root`; throws StackError (exit 2) listing every problem. `baked`: the copy inside an image
 * (`/opt/unibox/stack`), whose repos are the image's checkouts, so local repo paths are not looked for.
 */
export function loadStack(rootDir: string, options: { baked?: boolean } = {}): Stack {
  const root = resolve(rootDir);
  if (!existsSync(root)) throw new UsageError(`stack definition not found: ${root} does not exist (pass --root DIR)`);
  const roles = loadRoles(root);
  const env = loadEnvScopes(root);
  const image = loadImage(root, options.baked ?? false);
  const errors: Diagnostic[] = [...roles.errors, ...env.errors, ...image.errors];
  const ctx: RuleContext = { root, roles: roles.roles, serviceNames: roles.names, scopes: env.scopes, templates: env.templates, image: image.image, imageYaml: image.yaml };
  for (const rule of RULES) {
    // Templates render against the boxes the roles make: with a role missing, they would report its names as unknown.
    if (rule === templatesRule && roles.errors.length > 0) continue;
    errors.push(...rule(ctx));
  }
  if (errors.length > 0 || !image.image) throw new StackError(errors);
  return { root, roles: roles.roles, envScopes: env.scopes, image: image.image };
}
