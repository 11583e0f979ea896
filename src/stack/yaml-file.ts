// Parses a YAML file keeping positions, so every error can point at `file:line:col`.
import { readFileSync } from "node:fs";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { Diagnostic } from "./diagnostic.js";

export type PathSegment = string | number;

/** A parsed YAML document, its plain value, and a way back from a path to a position. */
export interface YamlFile {
  file: string;
  value: unknown;
  /** Position of the value at `path` (or of its key, with `at: "key"`); the nearest existing parent otherwise. */
  locate(path: readonly PathSegment[], at?: "key" | "value"): { line: number; col: number };
  /** A diagnostic at `path`. */
  diagnostic(path: readonly PathSegment[], message: string, at?: "key" | "value"): Diagnostic;
}

/** Reads and parses `absPath`; syntax errors come back as diagnostics, not exceptions. */
export function readYamlFile(absPath: string, file: string): { yaml?: YamlFile; errors: Diagnostic[] } {
  let text: string;
  try {
    text = readFileSync(absPath, "utf8");
  } catch (err) {
    return { errors: [{ file, line: 1, col: 1, message: `cannot read: ${(err as Error).message}` }] };
  }
  return parseYamlText(text, file);
}

/** Parses YAML text as `file`. */
export function parseYamlText(text: string, file: string): { yaml?: YamlFile; errors: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors: Diagnostic[] = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    const key = e.code === "DUPLICATE_KEY" ? ` ("${text.slice(e.pos[0], e.pos[1])}")` : "";
    return { file, line: pos.line, col: pos.col, message: `YAML: ${firstLine(e.message)}${key}` };
  });
  if (errors.length > 0) return { errors };
  const position = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const locate = (path: readonly PathSegment[], at: "key" | "value" = "value") => {
    const found = walk(doc, path);
    const node = at === "key" && found.keyNode ? found.keyNode : (found.node ?? found.keyNode);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    return range ? position(range[0]) : { line: 1, col: 1 };
  };
  const yaml: YamlFile = {
    file,
    value: doc.toJS({ maxAliasCount: 100 }) ?? {},
    locate,
    diagnostic: (path, message, at) => ({ file, ...locate(path, at), message }),
  };
  return { yaml, errors };
}

function firstLine(message: string): string {
  return message.split("\n")[0];
}

// Follows `path` as far as it exists; returns the deepest node reached and, for a map entry, its key.
function walk(doc: Document, path: readonly PathSegment[]): { node?: Node; keyNode?: Node } {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return { node: node as Node };
      keyNode = pair.key as Node;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === "number" && node.items[seg]) {
      keyNode = undefined;
      node = node.items[seg];
    } else {
      return { node: node as Node };
    }
  }
  return { node: node as Node, keyNode };
}
