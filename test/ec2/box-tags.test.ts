import { describe, expect, it } from "vitest";
import { notOurReviewBox, refsOf, tagMap } from "../../src/ec2/box-tags.js";
import { mapLimit } from "../../src/ec2/parallel.js";
import { tags } from "./fake-boxes.js";

describe("the review box guard", () => {
  it("lets through only a review box unibox launched", () => {
    expect(notOurReviewBox({ "unibox:mode": "review", "unibox:managed-by": "unibox" })).toBeUndefined();
  });

  it.each([
    [{}, /no unibox:mode tag/],
    [{ "unibox:mode": "production", "unibox:managed-by": "unibox" }, /unibox:mode=production, not review/],
    [{ "unibox:mode": "staging" }, /unibox:mode=staging/],
    [{ "unibox:mode": "review" }, /unibox did not launch it/],
    [{ "unibox:mode": "review", "unibox:managed-by": "terraform" }, /unibox did not launch it/],
    [{ "unibox:mode": "review", "unibox:managed-by": "unibox", "aws:autoscaling:groupName": "web" }, /Auto Scaling group web/],
  ])("refuses %j", (instanceTags, why) => {
    expect(notOurReviewBox(instanceTags as Record<string, string>)).toMatch(why);
  });

  it("reads tags and refs without tripping on keys named like Object's own", () => {
    const map = tagMap(tags({ __proto__: "x", "unibox:ref.constructor": "main", "unibox:ref.api": "v1" } as Record<string, string>));
    expect(refsOf(map)).toEqual({ constructor: "main", api: "v1" });
  });
});

describe("mapLimit", () => {
  it("runs at most `limit` at once and keeps the order", async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
