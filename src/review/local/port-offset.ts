// Each local review box gets its own port offset: every port it listens on moves up by it, so boxes run side
// by side. An offset is taken when none of the box's ports meets another box's, and each is free right now.
import { createServer } from "node:net";
import { RuntimeFailure } from "../../errors.js";

/** Offsets tried, in order: 10000, 10100, … (ports below 10000 are left to the machine's own services). */
export const FIRST_OFFSET = 10_000;
export const OFFSET_STEP = 100;

/** The first offset at which `ports` (the box's ports before any offset) meet no `taken` port and all are free. */
export async function chooseOffset(ports: number[], taken: Set<number>, isFree: (port: number) => Promise<boolean> = portIsFree): Promise<number> {
  const highest = Math.max(0, ...ports);
  for (let offset = FIRST_OFFSET; highest + offset <= 65535; offset += OFFSET_STEP) {
    const moved = ports.map((p) => p + offset);
    if (moved.some((p) => taken.has(p))) continue;
    if ((await Promise.all(moved.map(isFree))).every(Boolean)) return offset;
  }
  throw new RuntimeFailure(`no port offset leaves this box's ports (${ports.join(", ")}) free: every one from ${FIRST_OFFSET} in steps of ${OFFSET_STEP} meets a box or a listening port`, {
    details: ["Take boxes down (`unibox review ls`, `unibox review down NAME`, `unibox review reap`)."],
  });
}

/** Whether nothing listens on 127.0.0.1:port (binding it succeeds). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}
