// What chpst makes of one env file, and whether exec can carry the result (RUNTIME-FACTS.md, chpst -e).

/** The kernel's limit on one environment string `NAME=value`, its NUL included (MAX_ARG_STRLEN: 32 pages of 4 KiB). */
export const MAX_ENV_STRING = 131_072;

/** The bytes of the value chpst sets: undefined unsets (0 bytes); else the first line with trailing blanks trimmed. */
export function envFileValueBytes(content: Buffer): Buffer | undefined {
  if (content.length === 0) return undefined;
  const nl = content.indexOf(0x0a);
  let end = nl === -1 ? content.length : nl;
  while (end > 0 && (content[end - 1] === 0x20 || content[end - 1] === 0x09)) end--;
  return content.subarray(0, end);
}

/** chpst's reading of one env file: undefined unsets (0 bytes); else the first line, trailing blanks trimmed, NULs as newlines. */
export function envFileValue(content: Buffer | string): string | undefined {
  const bytes = envFileValueBytes(typeof content === "string" ? Buffer.from(content) : content);
  return bytes?.toString("utf8").replace(/\0/g, "\n");
}

/** Why exec would refuse `name=value` (E2BIG), or undefined when it fits; `size` is the value's length in bytes. */
export function envValueTooLong(name: string, size: number): string | undefined {
  // "=" and the terminating NUL count too: a 4-character name leaves 131066 bytes (measured with chpst).
  const max = MAX_ENV_STRING - Buffer.byteLength(name) - 2;
  if (size <= max) return undefined;
  return (
    `value of ${size} bytes is too long: the kernel limits each "NAME=value" string to ${MAX_ENV_STRING} bytes (MAX_ARG_STRLEN), ` +
    `so ${name} can hold at most ${max}; every instance using it would fail to start ("argument list too long"). ` +
    `Put the data in a file and pass its path instead`
  );
}
