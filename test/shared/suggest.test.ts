import { describe, expect, it } from "vitest";
import { closest, didYouMean, editDistance } from "../../src/shared/suggest.js";

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["abc", "abc", 0],
    ["", "abc", 3],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
    ["replica", "replicas", 1],
    ["comon", "common", 1],
    ["reveiw", "review", 2],
  ] as const)("counts %j to %j as %i edits", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("closest", () => {
  const ROLE_KEYS = ["description", "repo", "user", "modes", "needs", "components", "command", "replicas", "port", "health", "stop"];

  it("finds the key a typo most likely meant", () => {
    expect(closest("replica", ROLE_KEYS)).toBe("replicas");
    expect(closest("comand", ROLE_KEYS)).toBe("command");
    expect(closest("comon", ["common", "review", "staging", "production"])).toBe("common");
  });

  it("ignores case when comparing", () => {
    expect(closest("REPLICAS", ROLE_KEYS)).toBe("replicas");
  });

  it("suggests nothing when no candidate is close enough to read as a typo", () => {
    expect(closest("xyz", ROLE_KEYS)).toBeUndefined();
    expect(closest("anything", [])).toBeUndefined();
  });

  it("allows two edits for short words and a third of the length for long ones", () => {
    expect(closest("ab", ["xy"])).toBe("xy");
    expect(closest("abc", ["xyz"])).toBeUndefined();
    expect(closest("abcdefghi", ["abcdefxyz"])).toBe("abcdefxyz");
    expect(closest("abcdefghi", ["abcdewxyz"])).toBeUndefined();
  });

  it("prefers the first of equally close candidates", () => {
    expect(closest("ab", ["ax", "ay"])).toBe("ax");
  });
});

describe("didYouMean", () => {
  it("renders the hint, or nothing", () => {
    expect(didYouMean("replica", ["replicas", "port"])).toBe(' (did you mean "replicas"?)');
    expect(didYouMean("zzzzzz", ["replicas", "port"])).toBe("");
  });
});

describe("closest, given an iterator", () => {
  it("reads it once, so a Map's keys still give a suggestion", () => {
    expect(closest("billin", new Map([["billing", 1], ["api", 2]]).keys())).toBe("billing");
  });
});
