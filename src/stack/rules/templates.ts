// Every `.hbs` env file renders, strictly, on every box it applies to, into a value exec can carry.
import { boxVariants, type BoxVariant } from "../boxes.js";
import type { Diagnostic } from "../diagnostic.js";
import { scopeChain } from "../envdirs/scopes.js";
import { contextMap, renderTemplate, TemplateError, type TemplateContext } from "../envdirs/template.js";
import { envFileValueBytes, envValueTooLong } from "../envdirs/value.js";
import type { EnvEntry } from "../types.js";
import type { Rule } from "./rule.js";

/** The template context of a box variant, with placeholder facts (the real ones exist only at boot). */
export function sampleContext(box: BoxVariant): TemplateContext {
  const ports = contextMap<TemplateContext["ports"]>();
  const replicas = contextMap<TemplateContext["replicas"]>();
  for (const { role, component } of box.members) {
    // Two replicas stand for "some": a template must not depend on the count to render.
    const port = component.port;
    (replicas[role.name] ??= contextMap())[component.name] = [0, 1].map((i) =>
      contextMap({ name: `${role.name}.${component.name}.${i}`, replica: i, port: port === undefined ? undefined : port + i }),
    );
    if (port !== undefined) (ports[role.name] ??= contextMap())[component.name] = port;
  }
  const facts = { mode: box.mode, name: "example", instanceId: "i-0123456789abcdef0", privateIp: "10.0.0.1" };
  return contextMap({ box: contextMap(facts), ports, replicas });
}

export const templatesRule: Rule = ({ roles, scopes, templates }) => {
  const errors: Diagnostic[] = [];
  // One error per file is enough: the same mistake would show on every box.
  const failed = new Set<string>();
  for (const box of boxVariants(roles.values())) {
    let context: TemplateContext | undefined;
    for (const scopeName of applicableScopes(box)) {
      for (const entry of scopes.get(scopeName)?.entries ?? []) {
        const file = `envdirs/${scopeName}/${entry.name}.hbs`;
        const source = entry.template ? templates.get(entry.path) : undefined;
        if (source === undefined || failed.has(file)) continue;
        const error = checkTemplate(entry, file, source, box, (context ??= sampleContext(box)));
        if (error) {
          failed.add(file);
          errors.push(error);
        }
      }
    }
  }
  return errors;
};

function applicableScopes(box: BoxVariant): Set<string> {
  return new Set(box.members.flatMap(({ role, component }) => scopeChain(box.mode, role.name, component.name)));
}

// Renders one template on one box; a diagnostic when it does not render, or renders a value too long for exec.
function checkTemplate(entry: EnvEntry, file: string, source: string, box: BoxVariant, context: TemplateContext): Diagnostic | undefined {
  let rendered: string;
  try {
    rendered = renderTemplate(source, context);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return { file, line: err.line, col: err.col, message: `template on ${box.label}: ${err.message}; available: ${availableNames(context)}` };
  }
  const value = envFileValueBytes(Buffer.from(rendered));
  const tooLong = value && envValueTooLong(entry.name, value.length);
  return tooLong ? { file, line: 1, col: 1, message: `template on ${box.label}: rendered ${tooLong}` } : undefined;
}

function availableNames(context: TemplateContext): string {
  const ports = Object.entries(context.ports).flatMap(([s, cs]) => Object.keys(cs).map((c) => `ports.${s}.${c}`));
  return ["box.mode", "box.name", "box.instanceId", "box.privateIp", ...ports, "replicas.<service>.<component>"].join(", ");
}
