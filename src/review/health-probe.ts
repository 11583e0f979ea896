// Asks a box's status endpoint (GET /health) once: what `review ls`, `fleet ls` and `promote` report.

/** true on 200, false on any other answer, null when nothing answered within `timeoutMs`. */
export async function probeHealth(url: string | undefined, timeoutMs = 1500, fetchImpl: typeof fetch = fetch): Promise<boolean | null> {
  if (!url) return null;
  try {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer().catch(() => undefined);
    return response.status === 200;
  } catch {
    return null;
  }
}
