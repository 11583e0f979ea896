// A deterministic tar.gz, as `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner | gzip -n`
// would write it: the stack definition embedded in the provisioning script must be the same bytes for the
// same files, whatever the machine, the clock or the checkout's owner.
import { gzipSync } from "node:zlib";
import { RuntimeFailure } from "../../errors.js";

/** One member: a directory (`contents` undefined) or a regular file. */
export interface TarEntry {
  /** Relative, `/`-separated, no `./`, no trailing `/`. */
  path: string;
  mode: number;
  contents?: Buffer;
}

const BLOCK = 512;

/** The entries, sorted bytewise by path, as a ustar archive gzipped with no name and mtime 0. */
export function deterministicTarGz(entries: TarEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const parts: Buffer[] = [];
  for (const entry of sorted) {
    const isDir = entry.contents === undefined;
    parts.push(header(isDir ? `${entry.path}/` : entry.path, entry.mode, isDir ? 0 : entry.contents!.length, isDir ? "5" : "0"));
    if (!isDir && entry.contents!.length > 0) {
      parts.push(entry.contents!, Buffer.alloc((BLOCK - (entry.contents!.length % BLOCK)) % BLOCK));
    }
  }
  // The end of an archive: two zero blocks.
  parts.push(Buffer.alloc(2 * BLOCK));
  // gzipSync writes mtime 0 and no file name, as `gzip -n` does.
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

function header(name: string, mode: number, size: number, type: "0" | "5"): Buffer {
  const h = Buffer.alloc(BLOCK);
  const [prefix, base] = splitName(name);
  h.write(base, 0, 100, "utf8");
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, 0); // mtime
  h.write("        ", 148, 8, "latin1"); // the checksum counts itself as spaces
  h.write(type, 156, 1, "latin1");
  h.write("ustar\u000000", 257, 8, "latin1");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "latin1");
  return h;
}

// ustar holds 100 bytes of name plus 155 of prefix, split at a `/`: enough for a stack definition's paths.
function splitName(name: string): [string, string] {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return ["", name];
  for (let i = name.indexOf("/"); i >= 0; i = name.indexOf("/", i + 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100 && base !== "") return [prefix, base];
  }
  throw new RuntimeFailure(`cannot archive ${JSON.stringify(name)}: the path is ${bytes} bytes, and a tar header holds at most a 155-byte directory and a 100-byte name`, {
    details: ["Shorten the file's name or path in the stack definition."],
  });
}

function octal(h: Buffer, offset: number, width: number, value: number): void {
  h.write(`${value.toString(8).padStart(width - 1, "0")}\u0000`, offset, width, "latin1");
}
