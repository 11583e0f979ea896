// Review boxes of two stores on one machine never get the same ports: each choice sees every port reserved by a
// box whose record still exists, and a reservation goes with its box's record.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { releasePorts, reservePorts } from "../../../src/review/local/port-reservations.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "unibox-ports-"));
  dirs.push(d);
  return d;
}

/** A box record in a store of its own, as review up writes it. */
function record(): string {
  const store = temp();
  mkdirSync(join(store, "review/box"), { recursive: true });
  const file = join(store, "review/box/box.json");
  writeFileSync(file, "{}");
  return file;
}

describe("machine-wide port reservations", () => {
  it("show a second store the ports of the first, until that box's record goes or it releases them", async () => {
    const dir = temp();
    const first = record();
    const second = record();
    expect(await reservePorts(first, async (taken) => (expect([...taken]).toEqual([]), [13000, 19100]), dir)).toEqual([13000, 19100]);
    let seen: number[] = [];
    await reservePorts(second, async (taken) => ((seen = [...taken].sort()), [13100, 19200]), dir);
    expect(seen).toEqual([13000, 19100]);

    releasePorts(first, dir);
    await reservePorts(second, async (taken) => ((seen = [...taken]), [13100, 19200]), dir);
    expect(seen).toEqual([]);

    // A box whose record is gone (removed by hand, its store deleted) holds nothing.
    await reservePorts(first, async () => [13000], dir);
    rmSync(first);
    await reservePorts(second, async (taken) => ((seen = [...taken]), [13100]), dir);
    expect(seen).toEqual([]);
  });
});
