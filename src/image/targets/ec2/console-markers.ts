// The provisioning script's markers, read back from the builder's serial console. Each marker is a line of
// its own, but the console adds noise before it (kernel timestamps, `cloud-init[812]: `), so a marker is
// found anywhere in its line and the log lines lose the prefix their BEGIN line had.

/** The markers the provisioning script prints to the console; the script and this parser share them. */
export const MARKERS = {
  phase: "UNIBOX-BUILD-PHASE",
  failed: "UNIBOX-BUILD-FAILED",
  ok: "UNIBOX-BUILD-OK",
  logBegin: "UNIBOX-LOG-BEGIN",
  logEnd: "UNIBOX-LOG-END",
} as const;

export type ConsoleOutcome =
  | { kind: "ok"; fingerprint: string; tree: string }
  | { kind: "failed"; phase: string; exit: number; log: string[]; logComplete: boolean };

/** What the console says so far. */
export interface ConsoleReport {
  /** Every phase announced, in order. */
  phases: string[];
  /** The last outcome marker, if the script got that far (and the console shows it yet). */
  outcome?: ConsoleOutcome;
  /** The last lines of the console, noise included, for a failure with no marker. */
  tail: string[];
}

const PHASE = /UNIBOX-BUILD-PHASE[ \t]+(\S+)/;
const FAILED = /UNIBOX-BUILD-FAILED[ \t]+phase=(\S+)[ \t]+exit=(\d+)/;
const OK = /UNIBOX-BUILD-OK[ \t]+fingerprint=(\S+)[ \t]+tree=(sha256:[0-9a-f]{64})(?![0-9a-zA-Z])/;
// Colour escapes some cloud-init versions print around lines.
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Parses console text (already decoded from base64) into phases, the outcome and a tail of `tailLines` lines. */
export function parseConsole(text: string, tailLines = 30): ConsoleReport {
  const lines = text.replace(ANSI, "").split(/\r?\n/).map((l) => l.replace(/\r/g, ""));
  const phases: string[] = [];
  let outcome: ConsoleOutcome | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const phase = PHASE.exec(line);
    if (phase) {
      phases.push(phase[1]);
      continue;
    }
    const ok = OK.exec(line);
    if (ok) {
      outcome = { kind: "ok", fingerprint: ok[1], tree: ok[2] };
      continue;
    }
    const failed = FAILED.exec(line);
    if (failed) {
      const log = readLog(lines, i + 1);
      outcome = { kind: "failed", phase: failed[1], exit: Number(failed[2]), log: log.lines, logComplete: log.complete };
      i = log.next - 1;
    }
  }
  const tail = lines.filter((l) => l.trim() !== "").slice(-tailLines);
  return { phases, outcome, tail };
}

// The block after a FAILED marker: from its BEGIN line (which may come after a little noise) to END, each line
// stripped of the prefix the BEGIN line had. Without END (the console lags or was cut), what is there so far.
function readLog(lines: string[], from: number): { lines: string[]; complete: boolean; next: number } {
  let begin = -1;
  for (let i = from; i < lines.length && i < from + 5; i++) {
    if (lines[i].includes(MARKERS.logBegin)) {
      begin = i;
      break;
    }
    if (FAILED.test(lines[i]) || OK.test(lines[i])) break;
  }
  if (begin < 0) return { lines: [], complete: true, next: from };
  const prefix = prefixPattern(lines[begin].slice(0, lines[begin].indexOf(MARKERS.logBegin)));
  const log: string[] = [];
  for (let i = begin + 1; i < lines.length; i++) {
    if (lines[i].includes(MARKERS.logEnd)) return { lines: log, complete: true, next: i + 1 };
    log.push(lines[i].replace(prefix, ""));
  }
  return { lines: log, complete: false, next: lines.length };
}

// `[   45.123456] cloud-init[812]: ` becomes a pattern in which digits and blanks may differ from line to line.
function prefixPattern(prefix: string): RegExp {
  if (prefix === "") return /^(?!)/;
  const parts = prefix.split(/(\d+|\s+)/);
  const source = parts
    .map((part, i) => {
      if (/^\d+$/.test(part)) return "\\d+";
      // Padding inside the prefix varies ("[   9.1]", "[  97.1]"); the blank that ends it does not, and a
      // log line's own indentation after it is kept.
      if (/^\s+$/.test(part) && i < parts.length - 2) return "\\s*";
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}`);
}
