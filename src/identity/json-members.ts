// A tags file's JSON object read member by member: JSON.parse keeps the last of two equal keys silently.

/** One `"key": "value"` of the object, with where its key starts (1-based). */
export interface JsonMember {
  key: string;
  value: string;
  line: number;
  column: number;
}

/** A syntax error at a position, for `file:line:column:` messages. */
export class JsonPositionError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = "JsonPositionError";
  }
}

const WHITESPACE = /[ \t\n\r]*/y;
/** A whole JSON string token, escapes included; decoded by JSON.parse once matched. */
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const LITERAL = /true|false|null|-?[0-9][0-9.eE+-]*/y;

/**
 * The members of `text`, one JSON object whose values are all strings, in file order and duplicates kept.
 * Anything else (a nested value, a trailing comma, text after the object) is a JsonPositionError.
 */
export function parseJsonMembers(text: string): JsonMember[] {
  let pos = 0;
  const members: JsonMember[] = [];

  const position = (at: number) => {
    const before = text.slice(0, at);
    const lineStart = before.lastIndexOf("\n") + 1;
    return { line: before.split("\n").length, column: at - lineStart + 1 };
  };
  const fail = (message: string, at = pos): never => {
    const { line, column } = position(at);
    throw new JsonPositionError(message, line, column);
  };
  const skip = () => {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.exec(text);
    pos = WHITESPACE.lastIndex;
  };
  const punctuation = (char: string) => {
    skip();
    if (text[pos] !== char) fail(`expected "${char}", found ${found(text, pos)}`);
    pos++;
  };
  const string = (what: string): string => {
    skip();
    STRING.lastIndex = pos;
    const match = STRING.exec(text);
    if (match === null) return fail(`expected ${what}, found ${found(text, pos)}`);
    pos = STRING.lastIndex;
    return JSON.parse(match[0]) as string;
  };

  punctuation("{");
  skip();
  if (text[pos] === "}") pos++;
  else {
    for (;;) {
      skip();
      const at = position(pos);
      const key = string("a string key");
      punctuation(":");
      skip();
      if (text[pos] !== '"') fail(`tag "${key}": expected a string value, found ${found(text, pos)}`);
      members.push({ key, value: string("a string value"), ...at });
      skip();
      if (text[pos] === ",") pos++;
      else if (text[pos] === "}") {
        pos++;
        break;
      } else fail(`expected "," or "}", found ${found(text, pos)}`);
    }
  }
  skip();
  if (pos < text.length) fail(`expected nothing after the object, found ${found(text, pos)}`);
  return members;
}

/** What stands at `pos`, in words, for messages. */
function found(text: string, pos: number): string {
  if (pos >= text.length) return "the end of the file";
  const char = text[pos];
  if (char === '"') return "a string with a bad escape, a raw control character or no closing quote";
  if (char === "{") return "an object";
  if (char === "[") return "an array";
  LITERAL.lastIndex = pos;
  const literal = LITERAL.exec(text);
  if (literal !== null) return literal[0];
  return JSON.stringify(char);
}
