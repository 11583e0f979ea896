// Steps create-users and check-packages: the host is the local target's base, so the users the roles name are
// created on it (only those missing, as system users), and the OS packages must already be installed.
import { readFileSync } from "node:fs";
import { execa } from "execa";
import { RuntimeFailure } from "../../../errors.js";
import { runScript } from "../../run-script.js";
import type { Step } from "../../runner.js";
import { scriptEnv, type LocalState } from "./state.js";

export const createUsers: Step<LocalState> = {
  name: "create-users",
  title: "create the service users the roles name",
  async run(state, ctx) {
    if (process.getuid?.() !== 0) {
      ctx.progress("not root: no users created; build steps run as you");
      return;
    }
    const passwd = new Set(readFileSync("/etc/passwd", "utf8").split("\n").map((l) => l.split(":")[0]));
    if (state.input.recipe.serviceUsers.every((u) => passwd.has(u))) return;
    // The host is the base: its users are the image's (UNIBOX_ROOT=/ for this phase alone).
    await runScript({ file: state.script, phases: ["users"], env: scriptEnv(state, "/"), signal: ctx.signal, progress: ctx.progress });
  },
};

export const checkPackages: Step<LocalState> = {
  name: "check-packages",
  title: "check the OS packages are installed",
  async run(state, ctx) {
    const { packages } = state.input.recipe;
    if (packages.length === 0) return;
    const r = await execa("dpkg-query", ["-W", "-f", "${Package} ${db:Status-Status}\\n", "--", ...packages], { reject: false, cancelSignal: ctx.signal });
    const installed = new Set(r.stdout.split("\n").filter((l) => l.endsWith(" installed")).map((l) => l.split(" ")[0]));
    const missing = packages.filter((p) => !installed.has(p));
    if (missing.length > 0) {
      throw new RuntimeFailure(`${missing.length} OS package(s) of image.yaml not installed on this host: ${missing.join(", ")}`, {
        details: [`The local target builds on the host: apt-get install -y ${missing.join(" ")}`],
      });
    }
  },
};
