// The schema of roles/<service>.yaml (DESIGN.md §1). The annotated roles/ of the sample stack document it.
import { z } from "zod";
import { parseDuration } from "../duration.js";
import { MODES } from "../names.js";

const duration = z
  .union([z.string(), z.number()], { error: 'expected a duration such as "500ms", "2s" or "1m"' })
  .refine((v) => (parseDuration(v) ?? 0) > 0, { message: 'expected a duration above 0, such as "500ms", "2s" or "1m"' });

/** A command line for `sh -c`: text that is not blank and holds no NUL byte, which would cut it short. */
const commandLine = (typeError: string) =>
  z
    .string({ error: typeError })
    .superRefine((text, ctx) => {
      if (text.includes("\0")) ctx.addIssue({ code: "custom", message: 'expected a command line, found a NUL byte ("\\0") in it: the command would end there; remove it' });
      else if (text.trim() === "") ctx.addIssue({ code: "custom", message: `expected a command line, found ${text === "" ? "empty text" : "only blanks"}` });
    })
    // What an editor can check of it (the refinement above does not reach the JSON Schema).
    .meta({ minLength: 1 });

/**
 * The most replicas of one component on one box. Each is a process with its own service directory, port and
 * log: a billion of them ran `plan` and `boot` out of memory. A bigger fleet is more boxes, not more replicas.
 */
export const MAX_REPLICAS = 1000;
/** The most replicas per vCPU: 64 processes per vCPU is already past what one vCPU serves. */
export const MAX_PER_CPU = 64;

const WHY_MAX_REPLICAS = `one box runs at most ${MAX_REPLICAS} replicas of a component; for more, run more boxes (raise the Auto Scaling group's capacity)`;
const WHY_MAX_PER_CPU = `one box runs at most ${MAX_PER_CPU} replicas per vCPU; for more, run more boxes or bigger ones`;

const count = z
  .number({ error: "expected a whole number" })
  .int({ error: "expected a whole number" })
  .min(0)
  // The message is the why: schema-errors says the bound and what was found before it.
  .max(MAX_REPLICAS, { error: WHY_MAX_REPLICAS });

const perCpu = z.strictObject({
  perCpu: z.number().positive().max(MAX_PER_CPU, { error: WHY_MAX_PER_CPU }).describe("replicas per vCPU, rounded up"),
  min: count.optional(),
  max: count.optional(),
});

const replicaCount = z.union([count, perCpu], {
  error: "expected a whole number or { perCpu: N, min?: N, max?: N }",
});

/** `replicas:` a fixed count, per CPU, or per mode. */
export const replicasSchema = z.union(
  [
    count,
    perCpu,
    z.strictObject({ review: replicaCount.optional(), staging: replicaCount.optional(), production: replicaCount.optional() }),
  ],
  { error: "expected a whole number, { perCpu: N, min?, max? } or a map of modes (review, staging, production)" },
);

/** `health:` exactly one of http, tcp, cmd. */
export const healthSchema = z.strictObject({
  http: z.string().startsWith("/", { error: 'expected a path starting with "/"' }).optional(),
  expect: z.string().optional().describe("text the http response body must contain"),
  tcp: z.literal(true).optional(),
  cmd: commandLine("expected a command line").optional(),
  timeout: duration.optional(),
  interval: duration.optional(),
});

const SIGNALS = ["TERM", "INT", "QUIT", "HUP", "USR1", "USR2", "KILL"] as const;

/** `stop:` an optional drain command, the signal for the process group, and the grace before KILL. */
export const stopSchema = z.strictObject({
  command: commandLine("expected a command line").optional(),
  signal: z.enum(SIGNALS).optional(),
  grace: duration.optional(),
});

const componentShape = {
  command: commandLine("expected the command line to run"),
  replicas: replicasSchema.optional(),
  port: z.number().int().min(1).max(65535).optional(),
  health: healthSchema.optional(),
  stop: stopSchema.optional(),
  once: z.boolean().optional().describe("a one-shot (migrations, seed data): runs to completion on every start of the box, before the role's other components and its dependents"),
  entry: z.boolean().optional().describe("the box's one URL: at most one component on a box says so"),
};

export const componentSchema = z.strictObject(componentShape);

/** One role file. Either `components:` or a top-level `command:` (one component named `main`). */
export const roleSchema = z.strictObject({
  description: z.string().optional(),
  repo: z.string().min(1).optional(),
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]*$/, { error: "expected a user name" })
    .refine((u) => u !== "unibox-build", { error: "unibox-build is the image build's own user: a service running as it could reach the next build" })
    .optional(),
  modes: z.array(z.enum(MODES)).min(1).optional(),
  needs: z.array(z.string()).optional(),
  components: z.record(z.string(), componentSchema).optional(),
  // A role with one process may put the component's keys at the top level instead.
  command: componentShape.command.optional(),
  replicas: componentShape.replicas,
  port: componentShape.port,
  health: componentShape.health,
  stop: componentShape.stop,
  once: componentShape.once,
  entry: componentShape.entry,
});

export type RoleInput = z.output<typeof roleSchema>;
export type ComponentInput = z.output<typeof componentSchema>;
export type ReplicasInput = z.output<typeof replicasSchema>;
