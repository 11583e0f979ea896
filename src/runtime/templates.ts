// The runit file templates (templates/*.hbs, specified in templates/SPEC.md), compiled once.
import { readFileSync } from "node:fs";
import Handlebars from "handlebars";

const hbs = Handlebars.create();
/** Single-quotes a value for sh: the only quoting that needs no other escapes. */
export function shellQuote(value: unknown): string {
  const s = String(value);
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
hbs.registerHelper("sh", (v: unknown) => new Handlebars.SafeString(shellQuote(v)));
hbs.registerHelper("eq", (a: unknown, b: unknown) => a === b);

const dir = new URL("../../src/runtime/templates/", import.meta.url);
const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Renders `templates/<name>.hbs`. Nothing is rewritten afterwards: quoted values may hold any text. */
export function renderRunitTemplate(name: "run" | "check" | "control-t" | "finish" | "log-run", data: object): string {
  let t = compiled.get(name);
  if (!t) {
    t = hbs.compile(readFileSync(new URL(`${name}.hbs`, dir), "utf8"), { strict: true, noEscape: true });
    compiled.set(name, t);
  }
  return t(data);
}
