// Durations as people read them in progress lines and errors ("12 min", "40 s").

/** `ms` rounded to the largest unit that fits: h, min, s or ms. */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000) return `${Math.round(ms / 360_000) / 10} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  if (ms >= 1000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms)} ms`;
}
