import { describe, expect, it } from "vitest";
import { provenanceTags } from "../../../../src/image/targets/imagebuilder/provenance-tags.js";
import { buildInput } from "./fixtures.js";

describe("provenanceTags", () => {
  it("leaves out the CI run when the build had none", () => {
    const input = buildInput();
    const tags = provenanceTags({ ...input, manifest: { ...input.manifest, ciRunUrl: undefined } });
    expect(Object.keys(tags)).not.toContain("unibox:ci-run");
    expect(Object.keys(tags)).toHaveLength(10);
  });

  it.each([
    {
      case: "more than 50 tags",
      change: (m: ReturnType<typeof buildInput>["manifest"]) => {
        for (let i = 0; i < 45; i++) m.repos[`svc-${i}`] = { url: "https://github.com/acme/x.git", ref: "main", commit: "0".repeat(40), build: [] };
      },
      message: /the AMI would carry 56 provenance tags; EC2 allows 50 per image/,
    },
    {
      case: "a key over 128 characters",
      change: (m: ReturnType<typeof buildInput>["manifest"]) => {
        m.runtimes["r".repeat(120)] = { version: "1", sha256: "", source: "" };
      },
      message: /the AMI tag key "unibox:runtime:r+" has 135 characters; EC2 allows 128/,
    },
    {
      case: "a value over 256 characters",
      change: (m: ReturnType<typeof buildInput>["manifest"]) => {
        m.ciRunUrl = `https://ci.example.com/${"x".repeat(250)}`;
      },
      message: /the AMI tag unibox:ci-run would be 273 characters; EC2 allows 256/,
    },
  ])("refuses $case before anything is created", ({ change, message }) => {
    const input = buildInput();
    change(input.manifest);
    expect(() => provenanceTags(input)).toThrow(message);
  });
});
