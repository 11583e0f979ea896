// A role's `repo:` must be one image/image.yaml bakes.
import { didYouMean } from "../../shared/suggest.js";
import type { Diagnostic } from "../diagnostic.js";
import type { Rule } from "./rule.js";

export const reposRule: Rule = ({ roles, image }) => {
  if (!image) return [];
  const names = image.repos.map((r) => r.name);
  const errors: Diagnostic[] = [];
  for (const role of roles.values()) {
    if (role.repo !== undefined && !names.includes(role.repo)) {
      const known = names.length ? `; image/image.yaml has: ${names.join(", ")}` : "; image/image.yaml lists no repos";
      errors.push(role.yaml.diagnostic(["repo"], `unknown repo "${role.repo}"${didYouMean(role.repo, names)}${known}`));
    }
  }
  return errors;
};
