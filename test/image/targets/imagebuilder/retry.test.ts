import { describe, expect, it } from "vitest";
import { withRetry } from "../../../../src/image/targets/imagebuilder/retry.js";
import { ec2Error, ibError } from "./fake-aws.js";

function failing(errors: Error[], value = "ok") {
  let calls = 0;
  const call = async () => {
    calls++;
    const error = errors.shift();
    if (error) throw error;
    return value;
  };
  return { call, calls: () => calls };
}

describe("withRetry", () => {
  it.each(["ThrottlingException", "TooManyRequestsException", "CallRateLimitExceededException", "ServiceUnavailableException"])("asks again after %s", async (name) => {
    const f = failing([ibError(name, "slow down", 429), ibError(name, "slow down", 429)]);
    const retries: number[] = [];
    await expect(withRetry(f.call, { delaysMs: [1, 2, 3], onRetry: (_e, attempt) => retries.push(attempt) })).resolves.toBe("ok");
    expect(f.calls()).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it("retries EC2's RequestLimitExceeded and the names a call adds", async () => {
    const f = failing([ec2Error("RequestLimitExceeded", "Request limit exceeded.", 503), ec2Error("InvalidAMIID.NotFound", "The image id '[ami-07d9e8f1a2b3c4d5e]' does not exist")]);
    await expect(withRetry(f.call, { delaysMs: [1, 1], alsoRetry: ["InvalidAMIID.NotFound"] })).resolves.toBe("ok");
    expect(f.calls()).toBe(3);
  });

  it("gives up with the last error once the delays are spent", async () => {
    const f = failing([ibError("ThrottlingException", "first"), ibError("ThrottlingException", "second"), ibError("ThrottlingException", "third")]);
    await expect(withRetry(f.call, { delaysMs: [1, 1] })).rejects.toThrow("third");
    expect(f.calls()).toBe(3);
  });

  it("does not retry any other error", async () => {
    const f = failing([ibError("ResourceInUseException", "in use")]);
    await expect(withRetry(f.call, { delaysMs: [1, 1] })).rejects.toThrow("in use");
    expect(f.calls()).toBe(1);
  });

  it("stops waiting at once when the build is cancelled", async () => {
    const controller = new AbortController();
    const f = failing([ibError("ThrottlingException", "slow down")]);
    const started = Date.now();
    const pending = withRetry(f.call, { delaysMs: [60_000], signal: controller.signal });
    setTimeout(() => controller.abort(new Error("SIGINT")), 5);
    await expect(pending).rejects.toThrow("SIGINT");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(f.calls()).toBe(1);
  });
});
