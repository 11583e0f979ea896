// A tags file's JSON object read member by member: JSON.parse keeps the last of two equal keys silently.
// One pass, linear in the file: positions are counted forward as the reader moves, strings are scanned by hand.
import { clip } from "./excerpt.js";

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
const LITERAL = /true|false|null|-?[0-9][0-9.eE+-]*/y;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
/** What may follow a backslash, besides `u` and four hex digits. */
const SIMPLE_ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const HEX4 = /[0-9a-fA-F]{4}/y;

/**
 * The members of `text`, one JSON object whose values are all strings, in file order and duplicates kept.
 * Anything else (a nested value, a trailing comma, text after the object) is a JsonPositionError.
 */
export function parseJsonMembers(text: string): JsonMember[] {
  let pos = 0;
  const members: JsonMember[] = [];

  // Line and column of `at`, counted on from the last position asked for: recounting from the start of the
  // file at every key made n keys cost n² (20k keys took seconds). Positions asked for only move forward.
  let counted = 0;
  let lines = 1;
  let lineStart = 0;
  const position = (at: number) => {
    if (at < counted) [counted, lines, lineStart] = [0, 1, 0];
    for (; counted < at; counted++) {
      if (text.charCodeAt(counted) === NEWLINE) {
        lines++;
        lineStart = counted + 1;
      }
    }
    return { line: lines, column: at - lineStart + 1 };
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
    const end = stringEnd(text, pos);
    if (end === undefined) return fail(`expected ${what}, found ${found(text, pos)}`);
    const token = text.slice(pos, end);
    pos = end;
    // Most tags have no escape: the text between the quotes is the string.
    return token.includes("\\") ? (JSON.parse(token) as string) : token.slice(1, -1);
  };

  punctuation("{");
  skip();
  if (text[pos] === "}") pos++;
  else {
    for (;;) {
      skip();
      const { line, column } = position(pos);
      const key = string("a string key");
      punctuation(":");
      skip();
      if (text[pos] !== '"') fail(`tag ${JSON.stringify(clip(key))}: expected a string value, found ${found(text, pos)}`);
      members.push({ key, value: string("a string value"), line, column });
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

/**
 * Where the JSON string token starting at `start` ends (just past its closing quote), or undefined when there
 * is none there, or it has a bad escape or a raw control character. A loop, not a regular expression: a regular
 * expression that matches a string character by character overflows the stack on a value of some megabytes.
 */
function stringEnd(text: string, start: number): number | undefined {
  if (text.charCodeAt(start) !== QUOTE) return undefined;
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return undefined;
    if (c === BACKSLASH) {
      const next = text[i + 1];
      if (next === "u") {
        HEX4.lastIndex = i + 2;
        if (!HEX4.test(text)) return undefined;
        i += 5;
      } else if (next !== undefined && SIMPLE_ESCAPES.has(next)) i++;
      else return undefined;
    }
  }
  return undefined;
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
  if (literal !== null) return clip(literal[0]);
  return JSON.stringify(char);
}
