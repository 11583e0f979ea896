// When a review box expires: its TTL counts from its last request (idle time), capped by its maximum age.

export interface Expiry {
  createdAt: string;
  /** Idle time allowed, ms; 0 or absent: the box does not expire by idleness. */
  ttlMs?: number;
  /** Age allowed, ms, whatever the activity. */
  maxAgeMs?: number;
}

/** The moment the box expires given its last activity, or undefined when nothing bounds it. */
export function expiresAt(expiry: Expiry, lastActivity?: Date): Date | undefined {
  const created = Date.parse(expiry.createdAt);
  const last = Math.max(created, lastActivity?.getTime() ?? 0);
  const limits = [expiry.ttlMs ? last + expiry.ttlMs : Infinity, expiry.maxAgeMs ? created + expiry.maxAgeMs : Infinity];
  const at = Math.min(...limits);
  // Past what a Date can hold (±8.64e15 ms): no bound at all, rather than an "Invalid time value" later.
  return Number.isFinite(at) && Math.abs(at) <= 8.64e15 ? new Date(at) : undefined;
}
