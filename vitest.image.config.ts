// `npm run test:image`: the provisioning script run for real in a debootstrap'd Debian 12 chroot, then the
// sample stack booted inside it. Root only; minutes, not seconds, so it is kept out of `npm test`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/image/chroot/**/*.test.ts"],
    // One chroot at a time: the stack binds fixed ports (offset 20000) and apt and npm share the 2 cores.
    fileParallelism: false,
    maxWorkers: 1,
    // Bounded, but generous: a cold run fetches Debian's packages and the api's npm dependencies.
    testTimeout: 600_000,
    hookTimeout: 900_000,
    teardownTimeout: 120_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
