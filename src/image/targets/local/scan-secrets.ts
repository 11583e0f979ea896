// Step scan-secrets: nothing secret is baked. The tree is scanned before it is sealed; the build stops naming
// every file found, unless image.yaml's allowSecrets lets that path through.
import { RuntimeFailure } from "../../../errors.js";
import type { Step } from "../../runner.js";
import { allowMatcher, scanSecrets } from "../../secret-scan.js";
import { removeTree } from "../../tree-ops.js";
import { linkedFindings } from "./cache-entry.js";
import type { LocalState } from "./state.js";

export const scanSecretsStep: Step<LocalState> = {
  name: "scan-secrets",
  title: "scan the image for secrets",
  async run(state, ctx) {
    ctx.progress("private keys, cloud credentials, tokens, histories, machine ids");
    // Cached builds were scanned when they were made: their findings are reused, their files not read again.
    const linked = new Set(state.linked.map((l) => `opt/unibox/${l.rel}`));
    const allowed = allowMatcher(state.input.recipe.allowSecrets);
    const findings = [...scanSecrets(state.tree, { allow: state.input.recipe.allowSecrets, skip: (rel) => linked.has(rel) }), ...(await linkedFindings(state)).filter((f) => !allowed(f.path))].sort(
      (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
    );
    if (findings.length > 0) {
      // A cached build holding a secret is dropped: it must not linger in the store for the next build to link.
      const dropped: string[] = [];
      for (const { rel, entry } of state.linked) {
        if (findings.some((f) => f.path.startsWith(`opt/unibox/${rel}/`)) && !dropped.includes(entry)) {
          await removeTree(entry);
          dropped.push(entry);
        }
      }
      throw new RuntimeFailure(`${findings.length} file(s) in the image look secret; nothing was sealed`, {
        details: [
          ...dropped.map((d) => `  removed the cached build ${d}, which holds them`),
          ...findings.map((f) => `  /${f.path}: ${f.why} (${f.rule})`),
          "Remove them from the repo or its build, or, if they are not secret (a test fixture), list their paths under allowSecrets in image/image.yaml.",
        ],
      });
    }
  },
};
