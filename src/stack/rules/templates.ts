// Every `.hbs` env file renders, strictly, on every box it applies to.
import { readFileSync } from "node:fs";
import { boxVariants, type BoxVariant } from "../boxes.js";
import type { Diagnostic } from "../diagnostic.js";
import { scopeChain } from "../envdirs/scopes.js";
import { renderTemplate, TemplateError, type TemplateContext } from "../envdirs/template.js";
import type { Rule } from "./rule.js";

/** The template context of a box variant, with placeholder facts (the real ones exist only at boot). */
export function sampleContext(box: BoxVariant): TemplateContext {
  const ports: TemplateContext["ports"] = {};
  const replicas: TemplateContext["replicas"] = {};
  for (const { role, component } of box.members) {
    // Two replicas stand for "some": a template must not depend on the count to render.
    const port = component.port;
    (replicas[role.name] ??= {})[component.name] = [0, 1].map((i) => ({ name: `${role.name}.${component.name}.${i}`, replica: i, port: port === undefined ? undefined : port + i }));
    if (port !== undefined) (ports[role.name] ??= {})[component.name] = port;
  }
  return { box: { mode: box.mode, name: "example", instanceId: "i-0123456789abcdef0", privateIp: "10.0.0.1" }, ports, replicas };
}

export const templatesRule: Rule = ({ roles, scopes }) => {
  const errors: Diagnostic[] = [];
  const failed = new Set<string>();
  const sources = new Map<string, string>();
  for (const box of boxVariants(roles.values())) {
    const context = sampleContext(box);
    const applicable = new Set(box.members.flatMap(({ role, component }) => scopeChain(box.mode, role.name, component.name)));
    for (const scopeName of applicable) {
      const scope = scopes.get(scopeName);
      if (!scope) continue;
      for (const entry of scope.entries) {
        if (!entry.template) continue;
        const file = `envdirs/${scope.name}/${entry.name}.hbs`;
        if (failed.has(file)) continue;
        let source = sources.get(entry.path);
        if (source === undefined) sources.set(entry.path, (source = readFileSync(entry.path, "utf8")));
        try {
          renderTemplate(source, context);
        } catch (err) {
          if (!(err instanceof TemplateError)) throw err;
          failed.add(file);
          const names = Object.entries(context.ports).flatMap(([s, cs]) => Object.keys(cs).map((c) => `ports.${s}.${c}`));
          const known = ["box.mode", "box.name", "box.instanceId", "box.privateIp", ...names, "replicas.<service>.<component>"].join(", ");
          errors.push({ file, line: err.line, col: err.col, message: `template on ${box.label}: ${err.message}; available: ${known}` });
        }
      }
    }
  }
  return errors;
};
