// One build's input as the image build command hands it to a target, and the consoles its builder prints.
import type { BuildInput, Manifest } from "../../../../src/image/types.js";

export const BUILD_ID = "ub-20250602T103000Z-k3x9q2";
export const FINGERPRINT = "3f9a2c41d07b6e58a9c1f0e2d3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f30";
export const TREE = `sha256:${"9b4e".repeat(16)}`;
export const BASE_AMI = "ami-0a1b2c3d4e5f60718";
export const STARTED = new Date("2025-06-02T10:30:00.000Z");

export const SCRIPT = `#!/bin/bash
# unibox provisioning script (rendered for build ${BUILD_ID})
set -euo pipefail
phase() { echo "UNIBOX-BUILD-PHASE $1" > /dev/console; }
phase packages
apt-get install -y --no-install-recommends runit git curl ca-certificates
phase runtimes
phase repos
phase seal
echo "UNIBOX-BUILD-OK fingerprint=${FINGERPRINT} tree=\${TREE}" > /dev/console
systemctl poweroff
`;

export function manifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    schema: "unibox.manifest/v1",
    id: "img-20250602-3f9a2c41d07b",
    fingerprint: FINGERPRINT,
    target: "ec2",
    created: "2025-06-02T10:30:00.000Z",
    base: { id: BASE_AMI, name: "debian-12-amd64-20250530-2128", created: "2025-05-30T21:33:11.000Z" },
    repos: {
      api: { url: "git@github.com:acme/api.git", ref: "main", commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904", build: ["npm ci --omit=dev"] },
      web: { url: "git@github.com:acme/web.git", ref: "v2.3.1", commit: "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", build: ["npm ci", "npm run build"] },
    },
    runtimes: { node: { version: "20.20.2", sha256: "a".repeat(64), source: "https://nodejs.org/dist/v20.20.2/node-v20.20.2-linux-x64.tar.xz" } },
    packages: ["git", "runit"],
    unibox: { version: "0.1.0" },
    builder: { id: "ci-runner-7", host: "runner-7.ci.acme.internal" },
    ciRunUrl: "https://github.com/acme/stack/actions/runs/9311870001",
    ...overrides,
  };
}

export function buildInput(overrides: Partial<BuildInput> = {}): BuildInput {
  return {
    buildId: BUILD_ID,
    fingerprint: FINGERPRINT,
    recipe: {
      stackRoot: "/work/stack",
      base: { id: BASE_AMI, name: "debian-12-amd64-20250530-2128" },
      buildUser: "unibox",
      serviceUsers: ["api", "unibox"],
      packages: ["git", "runit"],
      runtimes: [],
      repos: [],
      stackFiles: ["image/image.yaml", "roles/api.yaml"],
      allowSecrets: [],
    },
    manifest: manifest(),
    provisionScript: SCRIPT,
    ...overrides,
  };
}

/** The console of a builder while it runs: kernel and cloud-init noise around the phase markers. */
export const CONSOLE_RUNNING = `[    0.000000] Linux version 6.1.0-21-cloud-amd64 (debian-kernel@lists.debian.org)
[   11.902311] cloud-init[612]: Cloud-init v. 22.4.2 running 'modules:final' at Mon, 02 Jun 2025 10:31:02 +0000. Up 11.84 seconds.
[   12.004417] cloud-init[612]: UNIBOX-BUILD-PHASE packages
[   48.771203] cloud-init[612]: UNIBOX-BUILD-PHASE runtimes
`;

/** The console once the script succeeded and powered off. */
export const CONSOLE_OK = `${CONSOLE_RUNNING}[   63.310877] cloud-init[612]: UNIBOX-BUILD-PHASE repos
[  190.551002] cloud-init[612]: UNIBOX-BUILD-PHASE seal
[  201.004991] cloud-init[612]: UNIBOX-BUILD-OK fingerprint=${FINGERPRINT} tree=${TREE}
[  202.110443] reboot: Power down
`;

/** The console of a script that failed building the api repo. */
export const CONSOLE_FAILED = `${CONSOLE_RUNNING}[   63.310877] cloud-init[612]: UNIBOX-BUILD-PHASE repos
[   97.000121] cloud-init[612]: UNIBOX-BUILD-FAILED phase=repos exit=1
[   97.000342] cloud-init[612]: UNIBOX-LOG-BEGIN
[   97.000510] cloud-init[612]: npm ERR! code ERESOLVE
[   97.000655] cloud-init[612]: npm ERR! ERESOLVE unable to resolve dependency tree
[   97.000801] cloud-init[612]:   while building api at 4b825dc6
[   97.000949] cloud-init[612]: UNIBOX-LOG-END
[   98.412009] reboot: Power down
`;
