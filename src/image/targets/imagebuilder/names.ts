// The names, versions and idempotency tokens of what one build creates: all derived from the build, so a
// retried call creates nothing twice and a janitor can tell by name which build made a resource.
import { createHash } from "node:crypto";
import type { BuildInput } from "../../types.js";

/** Names and versions shared by the build's Image Builder resources. */
export interface ResourceNames {
  /** `unibox-<buildId>`: the component, recipe, infrastructure and distribution configurations all bear it. */
  name: string;
  /** `<YYYYMMDD>.<HHMMSS>.<hash of the build id>`: unique per build, each node under Image Builder's 2^30 - 1. */
  semanticVersion: string;
  /** The AMI's name; Image Builder fills in the build date. */
  amiName: string;
  /** Idempotency tokens (at most 36 characters, as the API requires), one per create call. */
  tokens: { component: string; recipe: string; infrastructure: string; distribution: string; image: string };
}

const MAX_NAME = 128;
const MAX_TOKEN = 36;

/** The names of everything `input`'s build creates. */
export function resourceNames(input: BuildInput): ResourceNames {
  // Image Builder names allow letters, digits, `-`, `_` and inner spaces; a build id should already fit.
  const name = `unibox-${input.buildId}`.replace(/[^-_A-Za-z0-9]/g, "-").slice(0, MAX_NAME);
  const token = (purpose: string) => {
    const plain = purpose === "image" ? input.buildId : `${input.buildId}-${purpose}`;
    return plain.length <= MAX_TOKEN && /^[\x21-\x7e]+$/.test(plain) ? plain : sha256(`${input.buildId}/${purpose}`).slice(0, 32);
  };
  return {
    name,
    semanticVersion: semanticVersion(input.manifest.created, input.buildId),
    amiName: `unibox-${input.fingerprint.replace(/^sha256:/, "").slice(0, 12)}-{{imagebuilder:buildDate}}`,
    tokens: { component: token("cmp"), recipe: token("rcp"), infrastructure: token("inf"), distribution: token("dst"), image: token("image") },
  };
}

/**
 * A version Image Builder accepts and no other build gets: the build's date and time, then 28 bits of the
 * build id's hash (two builds in the same second differ there). Epoch seconds would not fit a node (max 2^30 - 1).
 */
export function semanticVersion(created: string, buildId: string): string {
  const parsed = new Date(created);
  const when = Number.isNaN(parsed.getTime()) ? new Date() : parsed;
  const date = when.getUTCFullYear() * 10000 + (when.getUTCMonth() + 1) * 100 + when.getUTCDate();
  const time = when.getUTCHours() * 10000 + when.getUTCMinutes() * 100 + when.getUTCSeconds();
  const salt = parseInt(sha256(buildId).slice(0, 7), 16);
  return `${date}.${time}.${salt}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
