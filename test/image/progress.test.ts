import { describe, expect, it } from "vitest";
import { plainReporter, wantsLiveList } from "../../src/image/progress.js";

describe("build progress", () => {
  it("writes one timestamped line per event when not on a terminal", () => {
    const lines: string[] = [];
    const r = plainReporter((l) => lines.push(l), () => new Date("2026-11-23T15:40:01.500Z"));
    const step = { name: "build-repos", title: "build each repo" };
    r.stepStarted(step);
    r.stepProgress(step, "api: building 83a96b4");
    r.stepFinished(step, "done", 1234);
    r.stepFinished(step, "failed", 80, new Error("npm ci exited 1"));
    r.cleanupFinished(step, "done", 5);
    r.cleanupFinished(step, "failed", 5, new Error("busy"));
    expect(lines).toEqual([
      "15:40:01 ▸ build-repos: build each repo",
      "15:40:01   build-repos: api: building 83a96b4",
      "15:40:01 ✓ build-repos (1.2 s)",
      "15:40:01 ✗ build-repos failed after 80 ms: npm ci exited 1",
      "15:40:01 ✗ cleanup of build-repos failed after 5 ms: busy",
    ]);
  });

  it("draws the live list only on a terminal outside CI", () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    expect(wantsLiveList(tty, {})).toBe(true);
    expect(wantsLiveList(tty, { CI: "true" })).toBe(false);
    expect(wantsLiveList({ isTTY: false } as NodeJS.WriteStream, {})).toBe(false);
  });
});
