// `unibox validate`: nothing but errors, or a one-line summary.
import { loadStack } from "../stack/load.js";
import type { CommandResult } from "./result.js";

export async function validateCommand(options: { root: string }): Promise<CommandResult> {
  const stack = loadStack(options.root);
  const roles = [...stack.roles.values()];
  const components = roles.reduce((n, r) => n + r.components.length, 0);
  return {
    json: { ok: true, services: roles.map((r) => r.name), components, envScopes: [...stack.envScopes.keys()] },
    text: `ok: ${roles.length} services, ${components} components, ${stack.envScopes.size} env scopes, ${stack.image.repos.length} repo${stack.image.repos.length === 1 ? "" : "s"}`,
  };
}
