// The names and tags every resource of a build carries: how a person recognises it in the console, and how
// the janitor (orphans.ts) finds what a build killed with SIGKILL left behind.
import type { Tag } from "@aws-sdk/client-ec2";

/** The tag every resource a build creates carries, with the build's id as its value. */
export const BUILD_ID_TAG = "unibox:build-id";
/** When the build started (ISO): the janitor's clock, since security groups have no creation time. */
export const BUILD_STARTED_TAG = "unibox:build-started";
export const FINGERPRINT_TAG = "unibox:fingerprint";
/** Set last, once the AMI carries its whole provenance: reuse and the janitor trust only sealed AMIs. */
export const SEALED_TAG = "unibox:sealed";

/** The temporary security group's name (also its Name tag). */
export function groupName(buildId: string): string {
  return `unibox-build-${buildId}`;
}

/** The builder instance's Name tag. */
export function instanceName(buildId: string): string {
  return `unibox-build-${buildId}`;
}

/**
 * The AMI's name: its fingerprint's first 12 hex digits, then the build. AMI names allow only letters, digits
 * and `( ) [ ] . / - ' @ _` (and spaces), so a `sha256:` prefix goes and any other character becomes `-`.
 */
export function imageName(fingerprint: string, buildId: string): string {
  return `unibox-${fingerprint.replace(/^sha256:/, "").slice(0, 12)}-${buildId}`.replace(/[^A-Za-z0-9()[\]./'@_-]/g, "-").slice(0, 128);
}

/** The tags that mark a resource as this build's scaffolding or output. */
export function buildTags(build: { buildId: string; fingerprint: string; startedAt: string }, name: string): Tag[] {
  return [
    { Key: "Name", Value: name },
    { Key: BUILD_ID_TAG, Value: build.buildId },
    { Key: FINGERPRINT_TAG, Value: build.fingerprint },
    { Key: BUILD_STARTED_TAG, Value: build.startedAt },
  ];
}

/** The value of tag `key`, if present. */
export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}
