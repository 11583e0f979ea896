// The manifest as tags on the AMI and its snapshots: who built it, from what, and `unibox:sealed=true`
// last, the mark reuse looks for. EC2's tag limits are checked before the build creates anything.
import type { Tag } from "@aws-sdk/client-ec2";
import { RuntimeFailure } from "../../../errors.js";
import type { Manifest } from "../../types.js";
import { FINGERPRINT_TAG, SEALED_TAG } from "./names.js";

/** EC2: at most 50 tags a resource, keys up to 128 characters, values up to 256. */
export const EC2_TAG_LIMITS = { perResource: 50, keyLength: 128, valueLength: 256 } as const;

/** A stand-in for the tree digest, which only the builder knows: it has the same length as the real one. */
export const TREE_PLACEHOLDER = `sha256:${"0".repeat(64)}`;

/** The provenance tags, in a stable order (without the sealed mark, which is written on its own, last). */
export function provenanceTags(manifest: Manifest, tree: string): Tag[] {
  const tags: Tag[] = [
    { Key: FINGERPRINT_TAG, Value: manifest.fingerprint },
    { Key: "unibox:id", Value: manifest.id },
    { Key: "unibox:created", Value: manifest.created },
    { Key: "unibox:base", Value: manifest.base.id },
    { Key: "unibox:unibox-version", Value: manifest.unibox.version },
    { Key: "unibox:builder", Value: manifest.builder.id },
  ];
  if (manifest.ciRunUrl) tags.push({ Key: "unibox:ci-run", Value: manifest.ciRunUrl });
  for (const [name, repo] of Object.entries(manifest.repos)) tags.push({ Key: `unibox:repo:${name}`, Value: repo.commit });
  for (const [name, runtime] of Object.entries(manifest.runtimes)) tags.push({ Key: `unibox:runtime:${name}`, Value: runtime.version });
  tags.push({ Key: "unibox:tree", Value: tree });
  return tags;
}

/** The mark written after every other tag: an AMI without it is unfinished (reuse skips it, the janitor deletes it). */
export const SEALED: Tag = { Key: SEALED_TAG, Value: "true" };

/**
 * Throws, naming each problem, when `existing` (the tags CreateImage gave the AMI) plus the provenance and the
 * sealed mark would break EC2's limits: better before the builder runs than after an hour of provisioning.
 */
export function checkTagLimits(existing: Tag[], manifest: Manifest): void {
  const added = [...provenanceTags(manifest, TREE_PLACEHOLDER), SEALED];
  const keys = new Set([...existing, ...added].map((t) => t.Key));
  const problems: string[] = [];
  if (keys.size > EC2_TAG_LIMITS.perResource) {
    const repos = Object.keys(manifest.repos).length;
    const runtimes = Object.keys(manifest.runtimes).length;
    problems.push(
      `the AMI would carry ${keys.size} tags but EC2 allows ${EC2_TAG_LIMITS.perResource} a resource (${keys.size - repos - runtimes} fixed, one per repo: ${repos}, one per runtime: ${runtimes}); bake fewer repos or runtimes into one image`,
    );
  }
  for (const tag of added) {
    const key = tag.Key ?? "";
    const value = tag.Value ?? "";
    if (key.length > EC2_TAG_LIMITS.keyLength) problems.push(`tag key "${key}" is ${key.length} characters but EC2 allows ${EC2_TAG_LIMITS.keyLength}; shorten the name in image.yaml`);
    if (value.length > EC2_TAG_LIMITS.valueLength) problems.push(`tag ${key} would be ${value.length} characters but EC2 allows ${EC2_TAG_LIMITS.valueLength} a value; shorten it`);
  }
  if (problems.length) {
    throw new RuntimeFailure(`the image's provenance does not fit in EC2 tags; nothing was created`, { details: problems });
  }
}
