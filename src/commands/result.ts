// What a command hands back to the CLI: one JSON document, and the text a person reads.

export interface CommandResult {
  /** Printed with --json: one document, nothing else on stdout. */
  json: unknown;
  /** Printed otherwise. */
  text: string;
  /** Non-zero when the command succeeded in reporting a failure (validate with errors is thrown instead). */
  exitCode?: number;
}

/** Pads columns of a small table; the first row is the header. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return "";
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ")).join("\n");
}
