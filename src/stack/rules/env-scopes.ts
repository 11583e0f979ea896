// Every directory under envdirs/ names a scope: a typo would otherwise be ignored in silence.
import type { Diagnostic } from "../diagnostic.js";
import { explainUnknownScope, knownScopes } from "../envdirs/scopes.js";
import type { Rule } from "./rule.js";

export const envScopesRule: Rule = ({ roles, serviceNames, scopes }) => {
  const known = knownScopes(roles.values());
  const errors: Diagnostic[] = [];
  for (const scope of scopes.values()) {
    if (known.has(scope.name)) continue;
    // A scope of a role that failed to load is not reported: its own errors say what is wrong.
    const service = scope.name.split(".").find((p) => serviceNames.has(p));
    if (service && !roles.has(service)) continue;
    errors.push({ file: `envdirs/${scope.name}`, line: 1, col: 1, message: explainUnknownScope(scope.name, roles, known) });
  }
  return errors;
};
