// Every failure the CLI reports is one of these; the exit code is the contract of DESIGN.md §3.

export const EXIT = {
  ok: 0,
  runtime: 1,
  usage: 2,
  identity: 3,
  unhealthy: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure with a user-facing message and the exit code it maps to. */
export class UniboxError extends Error {
  readonly exitCode: ExitCode;
  /** Extra lines printed after the message (hints, log tails). */
  readonly details: string[];
  constructor(message: string, exitCode: ExitCode, options: { cause?: unknown; details?: string[] } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.details = options.details ?? [];
  }
}

/** Bad command-line usage: exit 2. */
export class UsageError extends UniboxError {
  constructor(message: string, options?: { cause?: unknown; details?: string[] }) {
    super(message, EXIT.usage, options);
  }
}

/** The box does not know what it is (tags missing or invalid): exit 3. */
export class IdentityError extends UniboxError {
  constructor(message: string, options?: { cause?: unknown; details?: string[] }) {
    super(message, EXIT.identity, options);
  }
}

/** Something failed while doing the work: exit 1. */
export class RuntimeFailure extends UniboxError {
  constructor(message: string, options?: { cause?: unknown; details?: string[] }) {
    super(message, EXIT.runtime, options);
  }
}

/** Instances did not become healthy before the deadline: exit 4. */
export class UnhealthyError extends UniboxError {
  constructor(message: string, options?: { cause?: unknown; details?: string[] }) {
    super(message, EXIT.unhealthy, options);
  }
}
