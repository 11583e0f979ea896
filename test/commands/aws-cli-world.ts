// What a test needs to drive the AWS commands through the CLI in-process: an AWS environment in which the SDK
// clients construct (a region, fake credentials: aws-sdk-client-mock answers every `send`, nothing leaves the
// machine), and a stand-in for the global fetch the commands ask boxes' /health with (the CLI cannot be given
// another status port, and 9100 on loopback is for the boot tests).
import { vi } from "vitest";

const AWS_ENV = {
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  // No profile or config file of the machine running the tests may change what the clients do.
  AWS_PROFILE: undefined,
  AWS_CONFIG_FILE: "/nonexistent/unibox-test-aws-config",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/unibox-test-aws-credentials",
} as const;

/** Sets the AWS environment of the test; returns the function that puts the previous one back. */
export function useFakeAwsEnv(): () => void {
  const saved = Object.fromEntries(Object.keys(AWS_ENV).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(AWS_ENV);
  return () => apply(saved);
}

/** The boxes' /health as the stand-in answers it: by address, a status code; an address not listed does not answer. */
export interface FakeHealth {
  /** address -> HTTP status of GET /health. */
  status: Map<string, number>;
  /** Every URL asked, in order. */
  asked: string[];
}

/** Replaces the global fetch (undone by `vi.unstubAllGlobals()`): `http://ADDR:PORT/health` answers `status.get(ADDR)`. */
export function stubHealth(): FakeHealth {
  const health: FakeHealth = { status: new Map(), asked: [] };
  vi.stubGlobal("fetch", async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    health.asked.push(url.href);
    init?.signal?.throwIfAborted();
    const status = url.pathname === "/health" ? health.status.get(url.hostname) : undefined;
    if (status === undefined) throw new TypeError("fetch failed", { cause: new Error(`connect ECONNREFUSED ${url.host}`) });
    return new Response(JSON.stringify({ healthy: status === 200 }), { status, headers: { "content-type": "application/json" } });
  });
  return health;
}

/** How many SIGINT and SIGTERM listeners the process has: a command must release the ones it adds. */
export function signalListeners(): number {
  return process.listenerCount("SIGINT") + process.listenerCount("SIGTERM");
}
