import { ImagebuilderClient } from "@aws-sdk/client-imagebuilder";
import { describe, expect, it } from "vitest";
import { regionOf } from "../../../../src/image/targets/imagebuilder/region.js";

describe("regionOf", () => {
  it("reads the SDK client's region provider", async () => {
    expect(await regionOf(new ImagebuilderClient({ region: "ap-southeast-2" }), "eu-west-1")).toBe("ap-southeast-2");
  });

  it("falls back to the option for a client without a config", async () => {
    expect(await regionOf({ send: async () => ({}) }, "us-east-2")).toBe("us-east-2");
  });

  it("says how to set a region when neither the client nor the options have one", async () => {
    const client = { config: { region: async () => Promise.reject(new Error("Region is missing")) } };
    await expect(regionOf(client)).rejects.toThrow(/does not know its AWS region: .*set AWS_REGION/);
  });
});
