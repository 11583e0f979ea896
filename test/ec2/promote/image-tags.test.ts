import { describe, expect, it } from "vitest";
import { compactTime, promotedImageName, promotedRepos } from "../../../src/ec2/promote/image-tags.js";
import { tags } from "../fake-boxes.js";

describe("a promoted image's names and repos", () => {
  it("writes the time with only characters an AMI name allows", () => {
    const at = new Date("2025-06-02T10:41:07.123Z");
    expect(compactTime(at)).toBe("20250602T104107Z");
    expect(promotedImageName("pr-42", at)).toMatch(/^[A-Za-z0-9()[\]./'@_-]+$/);
  });

  it("keeps the parent's commits and records each ref of the box as ref:<ref>, also for a repo the parent lacks", () => {
    const parent = { ImageId: "ami-1", Tags: tags({ "unibox:repo:api": "abc", "unibox:repo:web": "def", "unibox:fingerprint": "sha256:1" }) };
    expect(promotedRepos(parent, { web: "main", docs: "v2" })).toEqual({ api: "abc", web: "ref:main", docs: "ref:v2" });
  });
});
