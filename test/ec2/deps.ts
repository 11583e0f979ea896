// The injected world of the EC2 box tests: a mocked client, a pinned clock, polls and retries every millisecond.
// Bounds a test must not reach are generous (a loaded machine is slow); a test that wants one reached sets it small.
import type { Ec2BoxDeps } from "../../src/ec2/deps.js";
import { ec2Client } from "./fake-boxes.js";

export const NOW = new Date("2025-06-02T10:00:00.000Z");

export function testDeps(extra: Partial<Ec2BoxDeps> = {}): Ec2BoxDeps {
  return {
    ec2: ec2Client(),
    now: () => NOW,
    pollMs: 1,
    timeoutMs: 5000,
    healthTimeoutMs: 2000,
    retry: { attempts: 3, baseMs: 1, maxMs: 2 },
    ...extra,
  };
}

/** The rejection of `promise` (the test fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}
