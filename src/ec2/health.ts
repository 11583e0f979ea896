// Asking a box's status service (`GET /health`, DESIGN.md §4): 200 only while every instance is healthy.
import { pollRounds } from "../shared/poll.js";
import { sleep } from "../image/targets/ec2/sleep.js";
import type { ResolvedDeps } from "./deps.js";

export const DEFAULT_STATUS_PORT = 9100;

/** The health URL of a box at `address`. */
export function healthUrl(address: string, statusPort: number): string {
  return `http://${address.includes(":") ? `[${address}]` : address}:${statusPort}/health`;
}

/** What one ask found: `true` 200, `false` another status, `null` no answer (refused, timed out). */
export interface HealthAnswer {
  healthy: boolean | null;
  /** For messages: `HTTP 503` or the network error. */
  detail: string;
  /** What the box says it runs (the status service's `repos`: repo -> commit), when it says. */
  repos?: Record<string, string>;
}

/** One GET of `url`, bounded by `healthTimeoutMs` (and the caller's signal). */
export async function askHealth(deps: Pick<ResolvedDeps, "fetch" | "healthTimeoutMs" | "signal">, url: string): Promise<HealthAnswer> {
  const signals = [AbortSignal.timeout(deps.healthTimeoutMs), ...(deps.signal ? [deps.signal] : [])];
  try {
    const response = await deps.fetch(url, { signal: AbortSignal.any(signals), redirect: "manual" });
    // Read to the end (the connection closes); its `repos` are the commits the box runs, for promote.
    const text = await response.text().catch(() => "");
    return { healthy: response.status === 200, detail: `HTTP ${response.status}`, ...reposIn(text) };
  } catch (error) {
    if (deps.signal?.aborted) throw deps.signal.reason;
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return { healthy: null, detail: `${error instanceof Error ? error.message : String(error)}${cause}` };
  }
}

/** Asks `url` every `pollMs` until it answers 200 or `timeoutMs` has passed; returns the last answer. */
export async function waitForHealth(deps: ResolvedDeps, url: string, timeoutMs: number): Promise<{ done: boolean; value: HealthAnswer }> {
  return pollRounds({ timeoutMs, intervalMs: deps.pollMs, sleep: (ms) => sleep(ms, deps.signal) }, async () => {
    const answer = await askHealth(deps, url);
    return { done: answer.healthy === true, value: answer };
  });
}

function reposIn(text: string): { repos?: Record<string, string> } {
  try {
    const repos = (JSON.parse(text) as { repos?: unknown }).repos;
    if (repos && typeof repos === "object" && Object.values(repos).every((c) => typeof c === "string" && /^[0-9a-f]{40}$/.test(c))) return { repos: repos as Record<string, string> };
  } catch {
    // not JSON: an older box, or not unibox's
  }
  return {};
}
