// From raw EC2 tags to what this box is (DESIGN.md §2); fails closed with exit 3.
import { IdentityError } from "../errors.js";
import { isMode, MODES, type Mode } from "../stack/names.js";
import { didYouMean } from "../shared/suggest.js";
import type { Stack } from "../stack/types.js";
import { atMost, clip, quote } from "./excerpt.js";

export type Tags = Record<string, string>;

/** What the tag source says about the box itself; off EC2 (flags), a stand-in. */
export interface BoxFacts {
  instanceId: string;
  privateIp: string;
  source: "flags" | "imds" | "describe-tags";
}

/** A tag map without a prototype: a tag key such as `__proto__` or `constructor` is a key like any other. */
export function emptyTags(): Tags {
  return Object.create(null) as Tags;
}

/** What the tags say this box is. */
export interface Identity {
  mode: Mode;
  /** staging/production: the one service this box runs. */
  service?: string;
  /** Absent: every component of the service. */
  component?: string;
  /** Review boxes: the box's name. */
  box?: string;
  /** Review boxes: `unibox:ref.<repo>` refs to check out at boot. */
  refs: Record<string, string>;
  expiresAt?: string;
}

export const TAG = {
  mode: "unibox:mode",
  service: "unibox:service",
  component: "unibox:component",
  box: "unibox:box",
  refPrefix: "unibox:ref.",
  expiresAt: "unibox:expires-at",
  maxAgeAt: "unibox:max-age-at",
  /** The marks `review up --target ec2` puts on a box it launches: read by review ls/down/reap, not by boot. */
  managedBy: "unibox:managed-by",
  image: "unibox:image",
  stackRef: "unibox:stack-ref",
} as const;

const KNOWN = [TAG.mode, TAG.service, TAG.component, TAG.box, TAG.expiresAt, TAG.maxAgeAt, TAG.managedBy, TAG.image, TAG.stackRef];
/** The prefix of every key unibox reads; keys without it belong to other tools and are not looked at. */
const PREFIX = "unibox:";
/** Characters instance-metadata tags allow in keys. */
const KEY_PATTERN = /^[A-Za-z0-9+\-=.,_:@]+$/;
/** EC2's longest tag key: a longer word gets no "did you mean" (the edit distance is quadratic). */
const LONGEST_KEY = 128;
/** Problems listed in one refusal; the rest are counted. */
const MAX_LISTED = 10;
/** An ISO-8601 date or date-time (Date.parse alone also takes "1" or "March 7"). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** How to turn on instance-metadata tags, printed with every identity failure that concerns a missing tag. */
export const ENABLE_IMDS_TAGS_HINT = [
  "Tags are read from --tags-file/--tag, else instance metadata, else ec2:DescribeTags.",
  "To expose tags through instance metadata, enable it on the launch template:",
  "  aws ec2 create-launch-template-version --launch-template-id lt-... --source-version '$Latest' \\",
  "    --launch-template-data '{\"MetadataOptions\":{\"InstanceMetadataTags\":\"enabled\",\"HttpTokens\":\"required\"}}'",
  "or on a running instance: aws ec2 modify-instance-metadata-options --instance-id i-... --instance-metadata-tags enabled",
];

/** Required keys that are absent: what a poller waits for. Mode-dependent, so computed from what is there. */
export function missingRequiredTags(tags: Tags): string[] {
  const mode = tags[TAG.mode];
  if (mode === undefined) return [TAG.mode];
  if (mode === "review") return tags[TAG.box] === undefined ? [TAG.box] : [];
  if (mode === "staging" || mode === "production") return tags[TAG.service] === undefined ? [TAG.service] : [];
  return [];
}

/** The identity the tags give, checked against the stack; throws IdentityError (exit 3). */
export function identityFromTags(tags: Tags, stack: Stack): Identity {
  // Only unibox's own keys are checked: "Cost Center" or "kubernetes.io/cluster/x" belong to other tools, which
  // may tag the instance as EC2 lets them; DescribeTags lists them even where instance metadata could not.
  const ours = Object.keys(tags).filter((key) => key.startsWith(PREFIX));
  // Listed after what the box is missing, so that a missing tag is never among the problems only counted.
  const keyProblems: string[] = [];
  for (const key of ours) {
    if (!KEY_PATTERN.test(key)) keyProblems.push(`tag key ${quote(key)} has characters instance-metadata tags do not allow (letters, digits, + - = . , _ : @); rename it`);
    else if (!KNOWN.includes(key as never) && !key.startsWith(TAG.refPrefix)) {
      keyProblems.push(`unknown tag ${quote(key)}${hint(key, KNOWN)}; unibox reads ${KNOWN.join(", ")}, ${TAG.refPrefix}<repo>`);
    }
  }
  const rawMode = tags[TAG.mode];
  if (rawMode === undefined) {
    throw new IdentityError(`missing tag ${TAG.mode}: this box does not know whether it is review, staging or production; starting nothing`, {
      details: [...listed(keyProblems), ...ENABLE_IMDS_TAGS_HINT],
    });
  }
  if (!isMode(rawMode)) {
    throw new IdentityError(`invalid tag ${TAG.mode}=${quote(rawMode)}: expected one of ${MODES.join(", ")}${hint(rawMode, MODES)}; starting nothing`, {
      details: listed(keyProblems),
    });
  }
  const mode = rawMode;
  const problems: string[] = [];
  const service = tags[TAG.service];
  const component = tags[TAG.component];
  // Null-prototype: a repo looked up by name must not find Object.prototype's "constructor".
  const refs: Record<string, string> = Object.create(null);
  // A key with characters tags cannot have is reported as such, not again as naming no repo.
  for (const k of ours) if (k.startsWith(TAG.refPrefix) && KEY_PATTERN.test(k)) refs[k.slice(TAG.refPrefix.length)] = tags[k];

  if (mode === "review") {
    if (service !== undefined) problems.push(`${TAG.service}=${quote(service)} contradicts ${TAG.mode}=review: a review box runs every service; remove the tag`);
    if (component !== undefined) problems.push(`${TAG.component}=${quote(component)} contradicts ${TAG.mode}=review: a review box runs every component; remove the tag`);
    if (tags[TAG.box] === undefined) problems.push(`missing tag ${TAG.box}: a review box needs a name`);
    else if (!/^[a-z0-9][a-z0-9-]*$/.test(tags[TAG.box])) problems.push(`invalid ${TAG.box}=${quote(tags[TAG.box])}: expected lowercase letters, digits and dashes`);
    const repos = new Set(stack.image.repos.map((r) => r.name));
    for (const repo of Object.keys(refs)) {
      if (!repos.has(repo)) problems.push(`tag ${clip(TAG.refPrefix + repo)} names no repo of image/image.yaml${hint(repo, repos)}`);
    }
  } else {
    if (service === undefined) {
      problems.push(`missing tag ${TAG.service}: a ${mode} box runs one service; tag it with one of: ${servicesIn(stack, mode).join(", ")}`);
    } else {
      const role = stack.roles.get(service);
      if (!role) problems.push(`${TAG.service}=${quote(service)} names no service of the stack${hint(service, stack.roles.keys())}`);
      else if (!role.modes.includes(mode)) problems.push(`${TAG.service}=${quote(service)} does not run in ${mode} mode (its modes: ${role.modes.join(", ")})`);
      else if (component !== undefined && !role.components.some((c) => c.name === component)) {
        const names = role.components.map((c) => c.name);
        problems.push(`${TAG.component}=${quote(component)} is not a component of ${service}${hint(component, names)}; it has: ${names.join(", ")}`);
      }
    }
    if (Object.keys(refs).length > 0) problems.push(`${TAG.refPrefix}* tags are for review boxes; a ${mode} box runs the image's baked code`);
  }
  const expiresAt = tags[TAG.expiresAt];
  for (const key of [TAG.expiresAt, TAG.maxAgeAt]) {
    const at = tags[key];
    if (at !== undefined && (!ISO_TIME.test(at) || Number.isNaN(Date.parse(at)))) problems.push(`${key}=${quote(at)} is not an ISO-8601 time`);
  }

  const all = [...problems, ...keyProblems];
  if (all.length > 0) {
    const missing = problems.some((p) => p.startsWith("missing"));
    throw new IdentityError(`${all[0]}; starting nothing`, { details: [...listed(all.slice(1)), ...(missing ? ENABLE_IMDS_TAGS_HINT : [])] });
  }
  return { mode, service, component, box: tags[TAG.box], refs, expiresAt };
}

/** ` (did you mean "x"?)` for a word short enough to be a tag. */
function hint(word: string, candidates: Iterable<string>): string {
  return word.length > LONGEST_KEY ? "" : didYouMean(word, candidates);
}

function listed(problems: string[]): string[] {
  return atMost(problems, MAX_LISTED, (n) => `and ${n} more ${n === 1 ? "problem" : "problems"} with the tags`);
}

function servicesIn(stack: Stack, mode: Mode): string[] {
  return [...stack.roles.values()].filter((r) => r.modes.includes(mode)).map((r) => r.name);
}

/** The tags that give `identity` back: what a second plan of the same box is made from without asking EC2 again. */
export function tagsOf(identity: Identity): [string, string][] {
  const tags: [string, string][] = [[TAG.mode, identity.mode]];
  if (identity.service !== undefined) tags.push([TAG.service, identity.service]);
  if (identity.component !== undefined) tags.push([TAG.component, identity.component]);
  if (identity.box !== undefined) tags.push([TAG.box, identity.box]);
  if (identity.expiresAt !== undefined) tags.push([TAG.expiresAt, identity.expiresAt]);
  for (const [repo, ref] of Object.entries(identity.refs)) tags.push([`${TAG.refPrefix}${repo}`, ref]);
  return tags;
}
