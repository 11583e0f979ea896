// `NAME.hbs` env files: strict Handlebars, rendered at boot with the box's facts.
import Handlebars from "handlebars";

/** What a template may use: `box.*`, `ports.<service>.<component>` and `replicas.<service>.<component>`. */
export interface TemplateContext {
  box: { mode: string; name: string; instanceId: string; privateIp: string };
  /** The port of replica 0 of every component on the box that has one. */
  ports: Record<string, Record<string, number>>;
  /** Every replica of every component on the box (e.g. a router's upstream list): `{ name, replica, port }`. */
  replicas: Record<string, Record<string, { name: string; replica: number; port?: number }[]>>;
}

/** Thrown for a template that does not render; `line`/`col` point into the template. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

const cache = new Map<string, HandlebarsTemplateDelegate>();

/** Renders `source` strictly (an unknown name is an error) and without HTML escaping (values are URLs, not HTML). */
export function renderTemplate(source: string, context: TemplateContext): string {
  let compiled = cache.get(source);
  try {
    if (!compiled) {
      compiled = Handlebars.compile(source, { strict: true, noEscape: true, knownHelpersOnly: false });
      cache.set(source, compiled);
    }
    return compiled(context);
  } catch (err) {
    const message = (err as Error).message;
    // Strict mode says `"main" not defined in undefined - 2:24`: name the whole expression instead.
    const missing = /- (\d+):(\d+)$/.exec(message);
    if (missing) {
      const line = Number(missing[1]);
      const col = Number(missing[2]) + 1;
      const expr = expressionAt(source, line, col);
      throw new TemplateError(`unknown name "${expr}"`, line, col);
    }
    // Parse errors span lines: "Parse error on line 3:", the source, a caret, "Expecting ..., got 'EOF'".
    const parse = /on line (\d+)/.exec(message);
    const expecting = message.split("\n").find((l) => l.startsWith("Expecting"));
    const unclosed = expecting?.endsWith("got 'EOF'") ? " (a {{#block}} without its {{/block}}?)" : "";
    const clean = `syntax error${expecting ? `: ${expecting}${unclosed}` : `: ${message.split("\n")[0]}`}`;
    throw new TemplateError(clean, parse ? Number(parse[1]) : 1, 1);
  }
}

/** The `{{ ... }}` expression around a position (1-based line and column). */
function expressionAt(source: string, line: number, col: number): string {
  const text = source.split("\n")[line - 1] ?? "";
  const open = text.lastIndexOf("{{", col);
  const close = text.indexOf("}}", open);
  if (open === -1 || close === -1) return text.trim();
  return text.slice(open + 2, close).replace(/^[#/^~\s]+|[~\s]+$/g, "").split(/\s+/).find((w) => /[a-z]/i.test(w) && !["if", "each", "with", "unless"].includes(w)) ?? "";
}
