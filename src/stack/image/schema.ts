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
  user: z.string().regex(/^[a-z_][a-z0-9_-]*$/).optional(),
  packages: z.array(z.string().min(1)).optional(),
  runtimes: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).optional(),
  repos: z.array(repoSchema).optional(),
  allowSecrets: z.array(z.string()).optional(),
});

export type ImageInput = z.output<typeof imageSchema>;
