// The EC2 SDK costs ~0.6 s to load: the boot path must load it only when DescribeTags is actually tried.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readTags } from "../../src/identity/resolve.js";
import { startImdsServer, type FakeImds } from "../helpers/imds-server.js";

const sdk = vi.hoisted(() => ({ loads: 0 }));

// Counts loads of the module; its EC2Client answers DescribeTags itself, so no request leaves the machine.
vi.mock("@aws-sdk/client-ec2", async (importOriginal) => {
  sdk.loads++;
  const original = await importOriginal<typeof import("@aws-sdk/client-ec2")>();
  class EC2Client extends original.EC2Client {
    override send = (async () => ({
      Tags: [
        { Key: "unibox:mode", Value: "review" },
        { Key: "unibox:box", Value: "b" },
      ],
    })) as never;
  }
  return { ...original, EC2Client };
});

const home = mkdtempSync(join(tmpdir(), "unibox-home-"));
const isolated = { env: {}, homeDir: home };
let server: FakeImds | undefined;

beforeEach(() => {
  sdk.loads = 0;
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("loading @aws-sdk/client-ec2", () => {
  it("does not happen when instance metadata has the tags", async () => {
    server = await startImdsServer({ tags: { "unibox:mode": "review", "unibox:box": "b" }, role: "box-role" });
    const { facts } = await readTags({ tagWaitMs: 1000, imds: { endpoint: server.url }, ...isolated });
    expect(facts.source).toBe("imds");
    expect(sdk.loads).toBe(0);
  });

  it("does not happen when DescribeTags cannot run for want of credentials", async () => {
    server = await startImdsServer({ tags: null });
    await expect(readTags({ tagWaitMs: 0, imds: { endpoint: server.url }, ...isolated })).rejects.toThrow(/DescribeTags: not tried/);
    expect(sdk.loads).toBe(0);
  });

  it("happens once DescribeTags is tried", async () => {
    server = await startImdsServer({ tags: null, role: "box-role" });
    const { facts } = await readTags({ tagWaitMs: 1000, imds: { endpoint: server.url }, ...isolated });
    expect(facts.source).toBe("describe-tags");
    expect(sdk.loads).toBe(1);
  });
});
