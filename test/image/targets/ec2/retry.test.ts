import { describe, expect, it } from "vitest";
import { backoffMs, withRetry } from "../../../../src/image/targets/ec2/retry.js";
import { awsError } from "./fake-ec2.js";

const policy = { attempts: 4, baseMs: 1, maxMs: 2 };

// A call that fails with `errors` in turn, then answers "done"; counts its calls.
function flaky(...errors: Error[]) {
  const call = async () => {
    call.calls++;
    const error = errors.shift();
    if (error) throw error;
    return "done";
  };
  call.calls = 0;
  return call;
}

describe("withRetry", () => {
  it.each(["RequestLimitExceeded", "Throttling", "ThrottlingException", "RequestThrottled"])("retries %s and returns the answer", async (name) => {
    const call = flaky(awsError(name, "Rate exceeded"), awsError(name, "Rate exceeded"));
    expect(await withRetry(call, { policy })).toBe("done");
    expect(call.calls).toBe(3);
  });

  it("retries an eventual-consistency error only when the caller names it", async () => {
    const notFound = () => awsError("InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist");
    const named = flaky(notFound());
    expect(await withRetry(named, { policy, retryOn: ["InvalidInstanceID.NotFound"] })).toBe("done");
    const unnamed = flaky(notFound());
    await expect(withRetry(unnamed, { policy })).rejects.toMatchObject({ name: "InvalidInstanceID.NotFound" });
    expect(unnamed.calls).toBe(1);
  });

  it("throws any other error at once", async () => {
    const call = flaky(awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
    await expect(withRetry(call, { policy })).rejects.toMatchObject({ name: "UnauthorizedOperation" });
    expect(call.calls).toBe(1);
  });

  it("throws the last error once every attempt is used", async () => {
    const errors = Array.from({ length: 6 }, (_, i) => awsError("RequestLimitExceeded", `attempt ${i + 1}`));
    const call = flaky(...errors);
    await expect(withRetry(call, { policy })).rejects.toThrow("attempt 4");
    expect(call.calls).toBe(4);
  });

  it("stops waiting to retry when the build is cancelled", async () => {
    const controller = new AbortController();
    const call = flaky(awsError("RequestLimitExceeded", "Rate exceeded"));
    const promise = withRetry(call, { policy: { attempts: 3, baseMs: 60_000, maxMs: 60_000 }, signal: controller.signal });
    // Once the first try has failed, it is in its minute-long pause.
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error("cancelled by the user"));
    await expect(promise).rejects.toThrow("cancelled by the user");
    expect(call.calls).toBe(1);
  });
});

describe("backoffMs", () => {
  it("doubles from the base up to the cap, with at most half of it as jitter", () => {
    const p = { attempts: 10, baseMs: 100, maxMs: 1000 };
    for (let i = 0; i < 20; i++) {
      expect(backoffMs(p, 1)).toBeGreaterThanOrEqual(50);
      expect(backoffMs(p, 1)).toBeLessThanOrEqual(100);
      expect(backoffMs(p, 3)).toBeGreaterThanOrEqual(200);
      expect(backoffMs(p, 3)).toBeLessThanOrEqual(400);
      expect(backoffMs(p, 8)).toBeGreaterThanOrEqual(500);
      expect(backoffMs(p, 8)).toBeLessThanOrEqual(1000);
    }
  });
});
