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

// The prototype of the context's maps: no names, so `box.constructor` is an unknown name rather than Object's
// constructor; only a way to print, which Handlebars needs to word its strict-mode error.
const CONTEXT_MAP: object = Object.freeze(Object.create(null, { [Symbol.toPrimitive]: { value: () => "the template context" } }));

/** An object of the template context holding `entries`, which inherits no name a template could reach. */
export function contextMap<T extends object>(entries: T = {} as T): T {
  return Object.assign(Object.create(CONTEXT_MAP) as T, entries);
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
const MISSING_BLOCK = "unibox: block over a missing name";
/** The helpers a template may call: none of them prints, writes or reaches outside the context. */
const HELPERS = ["each", "if", "lookup", "unless", "with"];
// Explicitly off, so a lookup of an inherited property (`box.constructor`) is refused without Handlebars logging a warning.
const RUNTIME = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };

// Strict mode checks plain {{names}}, not the argument of a block helper: `{{#each replicas.api.wbe}}`
// would render nothing in silence. These wrappers make a missing argument an error too.
const hbs = Handlebars.create();
for (const name of ["each", "with"]) {
  const builtin = hbs.helpers[name];
  hbs.registerHelper(name, function (this: unknown, ...args: unknown[]) {
    if (args.length < 2 || args[0] === undefined || args[0] === null) throw new Error(MISSING_BLOCK);
    return (builtin as (...a: unknown[]) => unknown).apply(this, args);
  });
}
// `{{log "x"}}` would print on unibox's own stdout (and break --json); a rendered value is all a template may produce.
hbs.unregisterHelper("log");

/** Renders `source` strictly (an unknown name is an error) and without HTML escaping (values are URLs, not HTML). */
export function renderTemplate(source: string, context: TemplateContext): string {
  try {
    let compiled = cache.get(source);
    if (!compiled) {
      compiled = compile(source);
      cache.set(source, compiled);
    }
    return compiled(context, RUNTIME);
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    throw explain(err as Error, source, context);
  }
}

// Parses, refuses calls to helpers other than HELPERS wherever they are (a branch not taken on a sample box included), compiles.
function compile(source: string): HandlebarsTemplateDelegate {
  const ast = hbs.parse(source);
  const call = unknownHelperCall(ast);
  if (call) {
    throw new TemplateError(`unknown helper "${call.original}"; a template may use only ${HELPERS.join(", ")}`, call.loc.start.line, call.loc.start.column + 1);
  }
  return hbs.compile(ast, { strict: true, noEscape: true });
}

// Turns Handlebars' own error into a TemplateError at the right place.
function explain(err: Error, source: string, context: TemplateContext): TemplateError {
  const message = err.message;
  // Strict mode says `"main" not defined in undefined - 2:24`: name the whole expression instead.
  const missing = /- (\d+):(\d+)$/.exec(message);
  if (missing) {
    const line = Number(missing[1]);
    const col = Number(missing[2]) + 1;
    return new TemplateError(`unknown name "${expressionAt(source, line, col)}"`, line, col);
  }
  // A block over a missing path: a TypeError deep in it (`replicas.nope.web`), or our wrappers' error.
  const reading = /Cannot read properties of undefined \(reading '([^']+)'\)/.exec(message);
  if (reading || message === MISSING_BLOCK) {
    const at = missingBlockArgument(source, context) ?? { expression: reading?.[1] ?? "?", line: 1, col: 1 };
    return new TemplateError(`unknown name "${at.expression}"`, at.line, at.col);
  }
  // Parse errors span lines: "Parse error on line 3:", the source, a caret, "Expecting ..., got 'EOF'".
  const parse = /on line (\d+)/.exec(message);
  const expecting = message.split("\n").find((l) => l.startsWith("Expecting"));
  const unclosed = expecting?.endsWith("got 'EOF'") ? " (a {{#block}} without its {{/block}}?)" : "";
  const clean = `syntax error${expecting ? `: ${expecting}${unclosed}` : `: ${message.split("\n")[0]}`}`;
  return new TemplateError(clean, parse ? Number(parse[1]) : 1, 1);
}

// The first call of a helper that is not one of HELPERS: a sub-expression, or a mustache or block with arguments.
function unknownHelperCall(ast: hbs.AST.Program): hbs.AST.PathExpression | undefined {
  let found: hbs.AST.PathExpression | undefined;
  const visit = (node: hbs.AST.Node | undefined | null): void => {
    if (!node || found) return;
    const n = node as Partial<hbs.AST.BlockStatement & hbs.AST.Program> & hbs.AST.Node;
    const args = [...(n.params ?? []), ...(n.hash?.pairs.map((p) => p.value) ?? [])];
    const isCall = node.type === "SubExpression" || ((node.type === "MustacheStatement" || node.type === "BlockStatement") && args.length > 0);
    const path = n.path as hbs.AST.PathExpression | undefined;
    if (isCall && path && !HELPERS.includes(path.original)) found = path;
    [...(n.body ?? []), ...args, n.program, n.inverse].forEach(visit);
  };
  visit(ast);
  return found;
}

/** The `{{ ... }}` expression around a position (1-based line and column). */
function expressionAt(source: string, line: number, col: number): string {
  const text = source.split("\n")[line - 1] ?? "";
  const open = text.lastIndexOf("{{", col);
  const close = text.indexOf("}}", open);
  if (open === -1 || close === -1) return text.trim();
  return text.slice(open + 2, close).replace(/^[#/^~\s]+|[~\s]+$/g, "").split(/\s+/).find((w) => /[a-z]/i.test(w) && !["if", "each", "with", "unless"].includes(w)) ?? "";
}

/** The first block (`{{#each a.b}}`, `{{#with a.b}}`) whose argument names nothing in `context`, and where it is. */
function missingBlockArgument(source: string, context: object): { expression: string; line: number; col: number } | undefined {
  let found: { expression: string; line: number; col: number } | undefined;
  const visit = (node: hbs.AST.Node | undefined): void => {
    if (!node || found) return;
    if (node.type === "Program") (node as hbs.AST.Program).body.forEach(visit);
    if (node.type === "BlockStatement") {
      const block = node as hbs.AST.BlockStatement;
      const arg = block.params[0] as hbs.AST.PathExpression | undefined;
      if (arg?.type === "PathExpression" && arg.depth === 0 && resolve(context, arg.parts) === undefined) {
        found = { expression: arg.original, line: arg.loc.start.line, col: arg.loc.start.column + 1 };
      }
      visit(block.program);
      visit(block.inverse);
    }
  };
  visit(Handlebars.parse(source));
  return found;
}

function resolve(value: unknown, parts: string[]): unknown {
  let v = value;
  for (const p of parts) v = v !== null && typeof v === "object" && Object.hasOwn(v, p) ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}
