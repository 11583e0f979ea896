import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests that start runsvdir and servers share ports and CPUs: two workers on these 2-core machines.
    maxWorkers: 2,
  },
});
