// What a message echoes of a tags source, bounded: text escaped and cut short, lists cut off, so a 100 KB line
// or a file of 100k bad keys cannot flood the terminal.

/** The most characters of found text a message quotes. */
export const QUOTE_MAX = 80;

/** `text` cut to at most `max` characters, "…" marking the cut; a surrogate pair is never split. */
export function clip(text: string, max = QUOTE_MAX): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/** `text` clipped and quoted as a JSON string: control characters (a terminal's escape sequences) come out escaped. */
export function quote(text: string, max = QUOTE_MAX): string {
  return JSON.stringify(clip(text, max));
}

/** The first `max` of `lines`, and one line saying how many more there are: a file of 100k bad keys makes no 100k-line message. */
export function atMost(lines: string[], max: number, more: (n: number) => string): string[] {
  return lines.length <= max ? lines : [...lines.slice(0, max), more(lines.length - max)];
}
