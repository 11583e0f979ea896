// A validation error tied to a place in the stack definition, printed as `file:line:col: message`.
import { EXIT, UniboxError } from "../errors.js";

export interface Diagnostic {
  /** Path relative to the stack root, e.g. `roles/api.yaml`. */
  file: string;
  line: number;
  col: number;
  message: string;
}

/** The compiler-style line editors link to. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

/** Orders diagnostics by file, then position, so output is stable. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.message.localeCompare(b.message),
  );
}

/** The stack definition is invalid: carries every diagnostic at once; exit 2. */
export class StackError extends UniboxError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    const sorted = sortDiagnostics(diagnostics);
    const n = sorted.length;
    super(`invalid stack definition: ${n} error${n === 1 ? "" : "s"}`, EXIT.usage, {
      details: sorted.map(formatDiagnostic),
    });
    this.diagnostics = sorted;
  }
}
