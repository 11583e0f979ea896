// Durations as a person reads them in progress lines and messages.

/** `250 ms`, `45 s`, `12 min`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}
