import { describe, expect, it } from "vitest";
import { RuntimeFailure } from "../../../../src/errors.js";
import { checkTagLimits, provenanceTags } from "../../../../src/image/targets/ec2/provenance-tags.js";
import { BUILD_ID, FINGERPRINT, manifest, TREE } from "./build-input.js";

const imageTags = [
  { Key: "Name", Value: `unibox-3f9a2c41d07b-${BUILD_ID}` },
  { Key: "unibox:build-id", Value: BUILD_ID },
  { Key: "unibox:fingerprint", Value: FINGERPRINT },
  { Key: "unibox:build-started", Value: "2025-06-02T10:30:00.000Z" },
];

function failure(fn: () => void): RuntimeFailure {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeFailure);
    return error as RuntimeFailure;
  }
  throw new Error("expected a RuntimeFailure");
}

describe("provenanceTags", () => {
  it("leaves out the CI run when the CI environment named none", () => {
    const keys = provenanceTags(manifest({ ciRunUrl: undefined }), TREE).map((t) => t.Key);
    expect(keys).toEqual([
      "unibox:fingerprint",
      "unibox:id",
      "unibox:created",
      "unibox:base",
      "unibox:unibox-version",
      "unibox:builder",
      "unibox:repo:api",
      "unibox:repo:web",
      "unibox:runtime:node",
      "unibox:tree",
    ]);
  });
});

describe("checkTagLimits", () => {
  it("accepts exactly 50 tags", () => {
    // 12 fixed + repos + 1 runtime = 50.
    const repos = Object.fromEntries(Array.from({ length: 37 }, (_, i) => [`r${i}`, { url: "u", ref: "main", commit: "c".repeat(40), build: [] }]));
    expect(() => checkTagLimits(imageTags, manifest({ repos }))).not.toThrow();
  });

  it("refuses 51 tags, saying how many and what takes them", () => {
    const repos = Object.fromEntries(Array.from({ length: 38 }, (_, i) => [`r${i}`, { url: "u", ref: "main", commit: "c".repeat(40), build: [] }]));
    expect(failure(() => checkTagLimits(imageTags, manifest({ repos }))).details).toEqual([
      "the AMI would carry 51 tags but EC2 allows 50 a resource (12 fixed, one per repo: 38, one per runtime: 1); bake fewer repos or runtimes into one image",
    ]);
  });

  it.each([
    { what: "a CI run URL over 256 characters", m: manifest({ ciRunUrl: `https://ci.acme.internal/${"x".repeat(240)}` }), problem: "tag unibox:ci-run would be 265 characters but EC2 allows 256 a value; shorten it" },
    {
      what: "a repo name that makes the key over 128 characters",
      m: manifest({ repos: { [`r${"e".repeat(120)}`]: { url: "u", ref: "main", commit: "c".repeat(40), build: [] } } }),
      problem: `tag key "unibox:repo:r${"e".repeat(120)}" is 133 characters but EC2 allows 128; shorten the name in image.yaml`,
    },
  ])("refuses $what", ({ m, problem }) => {
    const error = failure(() => checkTagLimits(imageTags, m));
    expect(error.message).toBe("the image's provenance does not fit in EC2 tags; nothing was created");
    expect(error.details).toEqual([problem]);
  });
});
