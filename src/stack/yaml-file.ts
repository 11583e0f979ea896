// Parses a YAML file keeping positions, so every error can point at `file:line:col`.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair, type YAMLMap } from "yaml";
import type { Diagnostic } from "./diagnostic.js";
import { readRegularFile } from "../shared/read-file.js";

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

/** How many times aliases may repeat what an anchor holds before the file counts as an expansion attack ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;

/**
 * Reads and parses `absPath`; syntax errors come back as diagnostics, not exceptions.
 * `kind` names the file in messages about its shape: "a role file", "image/image.yaml".
 */
export function readYamlFile(absPath: string, file: string, kind: string): { yaml?: YamlFile; errors: Diagnostic[] } {
  const read = readRegularFile(absPath, file);
  if ("problem" in read) return { errors: [{ file, line: 1, col: 1, message: read.problem }] };
  return parseYamlText(read.content.toString("utf8"), file, kind);
}

/** Parses YAML text as `file`. */
export function parseYamlText(text: string, file: string, kind = "this file"): { yaml?: YamlFile; errors: Diagnostic[] } {
  const lineCounter = new LineCounter();
  // Duplicate keys are found below, by name and in linear time; the parser's own check compares every pair of keys.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number, message: string): Diagnostic => ({ file, ...lineCounter.linePos(offset), message });
  const errors = doc.errors.map((e) => at(e.pos[0], e.code === "MULTIPLE_DOCS" ? secondDocument(text, e.pos[0], kind) : `YAML: ${firstLine(e.message)}`));
  if (errors.length > 0) return { errors };
  const duplicates = duplicateKeys(doc).map(({ key, first }) =>
    at(key.range![0], `YAML: duplicate key "${String(key.value)}"; it is already set at line ${lineCounter.linePos(first.range![0]).line}: keep one`),
  );
  if (duplicates.length > 0) return { errors: duplicates };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (err) {
    // The yaml library throws a ReferenceError when aliases expand past the count.
    const alias = firstAlias(doc);
    const message = `YAML: aliases expand this file into too much data (${firstLine((err as Error).message)}); write the values out instead of nesting anchors and aliases`;
    return { errors: [alias?.range ? at(alias.range[0], message) : { file, line: 1, col: 1, message }] };
  }
  const locate = locator(doc, lineCounter);
  const yaml: YamlFile = { file, value, locate, diagnostic: (path, message, where) => ({ file, ...locate(path, where), message }) };
  return { yaml, errors: [] };
}

function firstLine(message: string): string {
  return message.split("\n")[0];
}

function secondDocument(text: string, offset: number, kind: string): string {
  const remove = text.startsWith("---", offset) ? 'remove the "---" line' : "remove what follows the first document";
  return `${kind} holds one YAML document; found a second one starting here (${remove})`;
}

// Every scalar key a map repeats, with its first occurrence: keys compare as the JS object they become would (1 and "1" are one key).
function duplicateKeys(doc: Document): { key: Node & { value: unknown }; first: Node }[] {
  const found: { key: Node & { value: unknown }; first: Node }[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Map<string, Node>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        const first = seen.get(name);
        if (first) found.push({ key: pair.key, first });
        else seen.set(name, pair.key);
      }
    },
  });
  return found;
}

function firstAlias(doc: Document): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Alias(_, alias) {
      found = alias;
      return visit.BREAK;
    },
  });
  return found;
}

// `locate` for one document; each map's keys are indexed on first use, so a lookup does not scan a map of thousands of keys.
function locator(doc: Document, lineCounter: LineCounter): YamlFile["locate"] {
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: PathSegment): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p);
      indexes.set(map, index);
    }
    return index.get(String(key));
  };
  return (path, at = "value") => {
    const found = walk(doc, path, pairOf);
    const node = at === "key" && found.keyNode ? found.keyNode : (found.node ?? found.keyNode);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    return range ? lineCounter.linePos(range[0]) : { line: 1, col: 1 };
  };
}

// Follows `path` as far as it exists; returns the deepest node reached and, for a map entry, its key.
function walk(doc: Document, path: readonly PathSegment[], pairOf: (map: YAMLMap, key: PathSegment) => Pair | undefined): { node?: Node; keyNode?: Node } {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = pairOf(node, seg);
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
