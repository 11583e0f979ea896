import { describe, expect, it } from "vitest";
import { resourceNames, semanticVersion } from "../../../../src/image/targets/imagebuilder/names.js";
import { BUILD_ID, buildInput } from "./fixtures.js";

const MAX_NODE = 2 ** 30 - 1;

describe("resourceNames", () => {
  it("names every resource after the build and the AMI after the fingerprint", () => {
    const names = resourceNames(buildInput());
    expect(names.name).toBe(`unibox-${BUILD_ID}`);
    expect(names.amiName).toBe("unibox-9f86d081884c-{{imagebuilder:buildDate}}");
    expect(names.tokens).toEqual({ component: `${BUILD_ID}-cmp`, recipe: `${BUILD_ID}-rcp`, infrastructure: `${BUILD_ID}-inf`, distribution: `${BUILD_ID}-dst`, image: BUILD_ID });
  });

  it("keeps idempotency tokens within the API's 36 characters and names within Image Builder's alphabet", () => {
    const long = resourceNames(buildInput({ buildId: "ub-20250114-101500-4f2a9c-from-a-very-long-ci-job.name" }));
    for (const token of Object.values(long.tokens)) expect(token.length).toBeLessThanOrEqual(36);
    expect(new Set(Object.values(long.tokens)).size).toBe(5);
    expect(long.name).toBe("unibox-ub-20250114-101500-4f2a9c-from-a-very-long-ci-job-name");
  });
});

describe("semanticVersion", () => {
  it("is the build's date, time and a hash of its id, each node within Image Builder's 2^30 - 1", () => {
    const version = semanticVersion("2025-01-14T10:15:00.000Z", BUILD_ID);
    expect(version).toMatch(/^20250114\.101500\.\d+$/);
    for (const node of version.split(".")) expect(Number(node)).toBeLessThanOrEqual(MAX_NODE);
    expect(semanticVersion("2099-12-31T23:59:59.000Z", BUILD_ID).split(".").map(Number).every((n) => n <= MAX_NODE)).toBe(true);
  });

  it("differs for two builds started in the same second", () => {
    expect(semanticVersion("2025-01-14T10:15:00.000Z", "ub-20250114-101500-4f2a9c")).not.toBe(semanticVersion("2025-01-14T10:15:00.000Z", "ub-20250114-101500-77e01b"));
  });
});
