// Step scan-secrets: nothing secret is baked. The tree is scanned before it is sealed; the build stops naming
// every file found, unless image.yaml's allowSecrets lets that path through.
import { RuntimeFailure } from "../../../errors.js";
import type { Step } from "../../runner.js";
import { scanSecrets } from "../../secret-scan.js";
import type { LocalState } from "./state.js";

export const scanSecretsStep: Step<LocalState> = {
  name: "scan-secrets",
  title: "scan the image for secrets",
  async run(state, ctx) {
    ctx.progress("private keys, cloud credentials, tokens, histories, machine ids");
    const findings = scanSecrets(state.tree, { allow: state.input.recipe.allowSecrets });
    if (findings.length > 0) {
      throw new RuntimeFailure(`${findings.length} file(s) in the image look secret; nothing was sealed`, {
        details: [
          ...findings.map((f) => `  /${f.path}: ${f.why} (${f.rule})`),
          "Remove them from the repo or its build, or, if they are not secret (a test fixture), list their paths under allowSecrets in image/image.yaml.",
        ],
      });
    }
  },
};
