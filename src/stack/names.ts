// Names shared by every part of the stack definition (DESIGN.md §1).

export const MODES = ["review", "staging", "production"] as const;
export type Mode = (typeof MODES)[number];

/** Services and components: lowercase, digits and dashes, no dots. */
export const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
/** What chpst and a shell accept as a variable name. */
export const VARIABLE_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names a service cannot take: they are envdir scopes or the runtime's own. */
export const RESERVED_NAMES = new Set<string>([...MODES, "common", "unibox"]);

export function isMode(value: string): value is Mode {
  return (MODES as readonly string[]).includes(value);
}
