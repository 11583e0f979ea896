import { describe, expect, it } from "vitest";
import { checkRefreshOptions, refreshInput } from "../../src/autoscaling/refresh-input.js";
import { UsageError } from "../../src/errors.js";

const plan = { asg: "api-web", template: { id: "lt-0a1b2c3d4e5f60718", version: "7" }, group: {}, mixed: false, minHealthy: 100 };

describe("refreshInput", () => {
  it("takes the checkpoint delay given", () => {
    expect(refreshInput({ ...plan, checkpoints: [50, 100], checkpointDelaySeconds: 0 }).Preferences).toEqual({
      MinHealthyPercentage: 100,
      SkipMatching: true,
      AutoRollback: true,
      CheckpointPercentages: [50, 100],
      CheckpointDelay: 0,
    });
  });

  it("sends no checkpoint delay without checkpoints (AWS refuses a delay alone)", () => {
    expect(refreshInput({ ...plan, checkpoints: [], checkpointDelaySeconds: 60 }).Preferences).not.toHaveProperty("CheckpointDelay");
  });
});

describe("checkRefreshOptions", () => {
  it.each([
    { minHealthy: 0 },
    { minHealthy: 100, checkpoints: [100] },
    { minHealthy: 90, checkpoints: [20, 50, 100], checkpointDelaySeconds: 600 },
  ])("accepts %j", (opts) => expect(() => checkRefreshOptions(opts)).not.toThrow());

  it.each([
    { minHealthy: -1 },
    { minHealthy: 90.5 },
    { minHealthy: 90, checkpoints: [0, 100] },
    { minHealthy: 90, checkpoints: [50, 50, 100] },
    { minHealthy: 90, checkpoints: [20, 50, 100], checkpointDelaySeconds: -5 },
  ])("refuses %j", (opts) => expect(() => checkRefreshOptions(opts)).toThrow(UsageError));
});
