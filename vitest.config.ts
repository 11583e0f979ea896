import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The debootstrap chroot suite is `npm run test:image` (vitest.image.config.ts): minutes, not seconds.
    exclude: ["test/image/chroot/**", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests that start runsvdir and servers share ports and CPUs: two workers on these 2-core machines.
    maxWorkers: 2,
    // The AWS SDK warns on Node 20 that it will need 22; the CLI silences it too (src/cli/main.ts).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
