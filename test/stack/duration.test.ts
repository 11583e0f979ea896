import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/stack/duration.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["2s", 2_000],
    ["1.5s", 1_500],
    ["1m", 60_000],
    ["1h", 3_600_000],
    ["0s", 0],
    [" 2s ", 2_000],
  ] as const)("reads %j as %i milliseconds", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("reads a bare number as seconds", () => {
    expect(parseDuration(20)).toBe(20_000);
    expect(parseDuration(0.25)).toBe(250);
    expect(parseDuration(0)).toBe(0);
  });

  it.each(["2x", "fast", "", "s", "-1s", "2 s", "2S", "1d", "1e3ms"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("rejects negative and non-finite numbers and values that are neither text nor number", () => {
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(parseDuration(null)).toBeUndefined();
    expect(parseDuration(undefined)).toBeUndefined();
    expect(parseDuration({ s: 2 })).toBeUndefined();
    expect(parseDuration(true)).toBeUndefined();
  });
});
