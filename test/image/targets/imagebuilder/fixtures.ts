// A realistic build input for the imagebuilder target: the sample stack's manifest, resolved, on a Debian 12 AMI.
import type { BuildInput } from "../../../../src/image/types.js";

export const REGION = "eu-west-1";
export const ACCOUNT = "123456789012";
export const BUILD_ID = "ub-20250114-101500-4f2a9c";
export const FINGERPRINT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
export const BASE_AMI = "ami-0c1f3a8058fb8a5b6";
export const API_COMMIT = "3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";
export const WEB_COMMIT = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

/** A short script in the shape of the rendered provisioning script. */
export const SCRIPT = [
  "#!/bin/bash",
  `# unibox provisioning script: image build ${BUILD_ID}, fingerprint ${FINGERPRINT}.`,
  "set -euo pipefail",
  `FINGERPRINT=${FINGERPRINT}`,
  'UNIBOX_PHASES=${UNIBOX_PHASES-"users packages runtimes repos stack unibox boot-hook seal"}',
  "echo \"UNIBOX-BUILD-PHASE users\"",
  "cat > /etc/motd << 'EOF'",
  "  built by unibox  ",
  "\tEOF-not-the-end",
  "EOF",
  "echo \"UNIBOX-BUILD-OK fingerprint=$FINGERPRINT\"",
  "",
].join("\n");

/** The input of one build; `overrides` replace top-level fields. */
export function buildInput(overrides: Partial<BuildInput> = {}): BuildInput {
  const base = { id: BASE_AMI, name: "debian-12-amd64-20250110-1985", created: "2025-01-10T18:42:11.000Z" };
  return {
    buildId: BUILD_ID,
    fingerprint: FINGERPRINT,
    provisionScript: SCRIPT,
    recipe: {
      stackRoot: "/home/ci/stack",
      base,
      buildUser: "unibox",
      serviceUsers: ["api", "unibox"],
      packages: ["git", "runit"],
      runtimes: [{ name: "node", requested: "20", version: "20.18.1", archive: { url: "https://nodejs.org/dist/v20.18.1/node-v20.18.1-linux-x64.tar.xz", sha256: "c6fa75c841cbffac851678a472f2a5bd612fff8308ef39236190e1f8dbb0e567" } }],
      repos: [
        { name: "api", url: "https://github.com/acme/api.git", ref: "main", commit: API_COMMIT, build: ["npm ci --omit=dev"] },
        { name: "web", url: "https://github.com/acme/web.git", ref: "v2.3.0", commit: WEB_COMMIT, build: ["npm ci", "npm run build"] },
      ],
      stackFiles: ["image/image.yaml", "roles/api.yaml", "roles/web.yaml"],
      allowSecrets: [],
    },
    manifest: {
      schema: "unibox.manifest/v1",
      id: BUILD_ID,
      fingerprint: FINGERPRINT,
      target: "imagebuilder",
      created: "2025-01-14T10:15:00.000Z",
      base,
      repos: {
        api: { url: "https://github.com/acme/api.git", ref: "main", commit: API_COMMIT, build: ["npm ci --omit=dev"] },
        web: { url: "https://github.com/acme/web.git", ref: "v2.3.0", commit: WEB_COMMIT, build: ["npm ci", "npm run build"] },
      },
      runtimes: { node: { version: "20.18.1", sha256: "c6fa75c841cbffac851678a472f2a5bd612fff8308ef39236190e1f8dbb0e567", source: "https://nodejs.org/dist/v20.18.1/node-v20.18.1-linux-x64.tar.xz" } },
      packages: ["git", "runit"],
      unibox: { version: "0.1.0" },
      builder: { id: "unibox-imagebuilder", host: "ci-runner-7" },
      ciRunUrl: "https://github.com/acme/stack/actions/runs/12790455121",
    },
    ...overrides,
  };
}
