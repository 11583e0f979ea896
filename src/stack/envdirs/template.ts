// `NAME.hbs` env files: strict Handlebars, rendered at boot with the box's facts.
import Handlebars from "handlebars";

/** What a template may use: `box.*` and `ports.<service>.<component>`. */
export interface TemplateContext {
  box: { mode: string; name: string; instanceId: string; privateIp: string };
  ports: Record<string, Record<string, number>>;
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
    // Handlebars says `"postgres" not defined in [object Object] - 1:22` or `Parse error on line 2: ...`.
    const at = /- (\d+):(\d+)$/.exec(message) ?? /on line (\d+)/.exec(message);
    const line = at ? Number(at[1]) : 1;
    const col = at && at[2] !== undefined ? Number(at[2]) + 1 : 1;
    const clean = message
      .replace(/ in \[object Object\]/, "")
      .replace(/ - \d+:\d+$/, "")
      .split("\n")[0];
    throw new TemplateError(clean, line, col);
  }
}
