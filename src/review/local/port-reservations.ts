// Review boxes of every store on this machine share its ports: a box's ports are reserved machine-wide
// (`/run/unibox/review-ports/`, tmpfs: gone with the boxes' processes at reboot) under one lock, so two stores
// (two checkouts, CI jobs side by side) never pick the same offset between checking a port and binding it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireFileLock } from "../../shared/file-lock.js";

interface Reservation {
  /** The box's record (`<store>/review/<name>/box.json`): the reservation lasts while it exists. */
  record: string;
  ports: number[];
}

/** Root's in /run; anyone else's in their own folder under the temp dir (they cannot bind below 1024 anyway). */
export function reservationsDir(): string {
  return process.getuid?.() === 0 && existsSync("/run") ? "/run/unibox/review-ports" : join(tmpdir(), `unibox-review-ports-${process.getuid?.() ?? 0}`);
}

/**
 * Runs `choose` with every port other boxes on this machine hold, under the machine-wide lock, and reserves what it
 * returns for the box whose record is `record`. Reservations whose box is gone are dropped.
 */
export async function reservePorts(record: string, choose: (taken: Set<number>) => Promise<number[]>, dir = reservationsDir()): Promise<number[]> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const release = await acquireFileLock(join(dir, ".lock"), 60, `another unibox is choosing review box ports (${dir}/.lock); try again once it is done`);
  try {
    const taken = new Set<number>();
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
      const file = join(dir, name);
      let r: Reservation;
      try {
        r = JSON.parse(readFileSync(file, "utf8")) as Reservation;
      } catch {
        rmSync(file, { force: true });
        continue;
      }
      if (r.record === record || !existsSync(r.record)) {
        rmSync(file, { force: true });
        continue;
      }
      for (const p of r.ports) taken.add(p);
    }
    const ports = await choose(taken);
    writeFileSync(join(dir, `${fileKey(record)}.json`), JSON.stringify({ record, ports } satisfies Reservation), { mode: 0o600 });
    return ports;
  } finally {
    release();
  }
}

/** Gives the box's ports back (its record is going). */
export function releasePorts(record: string, dir = reservationsDir()): void {
  rmSync(join(dir, `${fileKey(record)}.json`), { force: true });
}

function fileKey(record: string): string {
  return Buffer.from(record).toString("base64url");
}
