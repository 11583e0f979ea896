// What `review up` and `review ls` report about a review box, whichever target runs it (DESIGN.md §3).

export type ReviewTarget = "local" | "ec2";

/** One review box as `review up`, `review ls` and `review reap` report it. */
export interface ReviewBox {
  name: string;
  target: ReviewTarget;
  /** Where QA opens the box: its entry component (the router) on this machine, or the instance's address. */
  url: string;
  /** The image it runs: `img-…` (local) or `ami-…` (ec2). */
  image: string;
  /** `--ref` overrides, by repo: the ref asked for and the commit it resolved to (when known). */
  refs: Record<string, { ref: string; commit?: string }>;
  /** The stack definition's branch (`--stack-ref`), when not the default. */
  stackRef?: string;
  createdAt: string;
  /** When the box goes idle for good: last activity + ttl, capped by created + max-age; absent without a ttl. */
  expiresAt?: string;
  /** The last request through its entry (local), or its launch (ec2: see README). */
  lastActivity?: string;
  /** GET /health of the box's status endpoint: true 200, false otherwise, null when it could not be asked. */
  healthy: boolean | null;
  /** `running`, `stopped`, `pending`, … (ec2: the instance state). */
  state: string;
  /** ec2: the instance. */
  instanceId?: string;
}

/** One box of the fleet (`fleet ls`): found by its tags (ec2) or in the store (local). */
export interface FleetBox {
  /** Review box name, or the instance id / prefix of a production box. */
  name: string;
  target: ReviewTarget;
  mode: string;
  service?: string;
  component?: string;
  image: string;
  state: string;
  healthy: boolean | null;
  instanceId?: string;
  address?: string;
  launchedAt?: string;
}
