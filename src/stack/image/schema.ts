// The schema of image/image.yaml: the recipe every target bakes.
import { z } from "zod";

const ami = z.strictObject({
  name: z.string().min(1).describe("AMI name filter, e.g. debian-12-amd64-*"),
  owners: z.array(z.string()).min(1),
  architecture: z.enum(["x86_64", "arm64"]).optional(),
});

export const repoSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "expected a repo name matching [a-z][a-z0-9-]*" }),
  url: z.string().min(1).describe("a git URL, or a path relative to the stack root"),
  ref: z.string().min(1).optional(),
  build: z.array(z.string().min(1)).optional(),
});

export const imageSchema = z.strictObject({
  base: z.union([z.literal("host"), z.strictObject({ ami })], {
    error: 'expected "host" or { ami: { name, owners } }',
  }),
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]*$/)
    .refine((u) => u !== "root", { error: "expected an unprivileged user: the services run as it, and root is not one" })
    .refine((u) => u !== "unibox-build", { error: "unibox-build is the image build's own user: services must not run as it" })
    .optional(),
  packages: z.array(z.string().min(1)).optional(),
  runtimes: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).optional(),
  mirrors: z
    .record(z.string(), z.string().regex(/^(https?|file):\/\//, { error: "expected an http(s):// or file:// URL" }))
    .optional()
    .describe("where a runtime's archives come from instead of its official site, e.g. node: https://mirror.example/node/dist"),
  repos: z.array(repoSchema).optional(),
  include: z
    .array(z.string().regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]+$/, { error: "expected a path inside the stack root (relative, no ..)" }))
    .optional()
    .describe("more of the stack root to bake beside roles/, envdirs/ and image/: what roles without a repo run, e.g. support/"),
  allowSecrets: z.array(z.string()).optional(),
});

export type ImageInput = z.output<typeof imageSchema>;
