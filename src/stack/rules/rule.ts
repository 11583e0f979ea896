// A cross-file validation rule: reads the loaded stack, reports diagnostics, never throws.
import type { Diagnostic } from "../diagnostic.js";
import type { EnvScope, ImageRecipe, Role } from "../types.js";
import type { YamlFile } from "../yaml-file.js";

export interface RuleContext {
  root: string;
  roles: Map<string, Role>;
  /** Every service that has a role file, including ones whose file has errors. */
  serviceNames: Set<string>;
  scopes: Map<string, EnvScope>;
  /** Template sources by absolute path, as the loader read them. */
  templates: Map<string, string>;
  image?: ImageRecipe;
  imageYaml?: YamlFile;
}

export type Rule = (ctx: RuleContext) => Diagnostic[];
