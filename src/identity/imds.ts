// Tags through instance metadata, IMDSv2 only (DESIGN.md §2, RUNTIME-FACTS "EC2 tags from inside the instance").
import { MetadataService } from "@aws-sdk/ec2-metadata-service";
import { IdentityError } from "../cli/errors.js";
import { pollRounds, type PollOptions } from "./poll.js";
import { missingRequiredTags, type Tags } from "./tags.js";

export interface ImdsOptions extends PollOptions {
  /** Default: AWS_EC2_METADATA_SERVICE_ENDPOINT, else the SDK's default (profile setting, then http://169.254.169.254). */
  endpoint?: string;
  /** Per-request HTTP timeout (connect and response), default 1000; the SDK's default 0 means none. */
  timeoutMs?: number;
}

export type ImdsResult =
  | { kind: "tags"; tags: Record<string, string>; instanceId: string; privateIp?: string; region?: string }
  /** IMDS answers, but /latest/meta-data/tags/instance is 404: instance-metadata tags are not enabled. */
  | { kind: "tags-disabled"; instanceId: string; privateIp?: string; region?: string }
  /** No IMDS at all (not on EC2). */
  | { kind: "unreachable"; error: Error };

export const DEFAULT_IMDS_ENDPOINT = "http://169.254.169.254";

/** The endpoint the SDK will use, for messages (a profile's ec2_metadata_service_endpoint is not looked up here). */
export function imdsEndpoint(endpoint?: string): string {
  return endpoint ?? process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? DEFAULT_IMDS_ENDPOINT;
}

/** Keys IMDS can list; they are path-safe as they are. Anything else is percent-encoded rather than trusted. */
const KEY_PATTERN = /^[A-Za-z0-9+\-=.,_:@]+$/;

/**
 * Reads the instance's tags through IMDSv2, polling up to `waitMs` until `missingRequiredTags` is empty.
 * Returns what it has when the wait ends: the caller validates and fails closed.
 * Throws IdentityError only when IMDS answered the probe but every later tag read failed.
 */
export async function readImdsTags(options: ImdsOptions): Promise<ImdsResult> {
  const endpoint = options.endpoint ?? process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  const timeout = options.timeoutMs ?? 1000;

  // One MetadataService per round: a token failure can latch the SDK's `disableFetchToken`, and with
  // IMDSv1 disabled that instance would then refuse every later request.
  // Each request() fetches its own token (PUT /latest/api/token); the SDK has no way to reuse one
  // while keeping ec2MetadataV1Disabled, which is what guarantees no request ever goes out without a token.
  const service = (retries: number) =>
    new MetadataService({
      endpoint,
      httpOptions: { timeout },
      ec2MetadataV1Disabled: true,
      retries,
      backoff: 0.1,
      tokenTtl: 300,
    });

  // The probe: no retries, so "not on EC2" costs one connect attempt (refused: ~1 ms; blackholed: one timeout),
  // not the SDK's default 3 retries with 1 s, 1.2 s, 1.44 s backoff.
  let instanceId: string;
  try {
    instanceId = (await service(0).request(path("instance-id"), {})).trim();
  } catch (error) {
    return { kind: "unreachable", error: asError(error) };
  }
  const facts = service(2);
  const [privateIp, region] = await Promise.all([optional(facts, "local-ipv4"), optional(facts, "placement/region")]);

  let lastError: unknown;
  let lastRead: Tags | "disabled" | undefined;
  const tags = await pollRounds(options, async () => {
    try {
      lastRead = await readTagsOnce(service(2));
      return { done: lastRead === "disabled" || missingRequiredTags(lastRead).length === 0, value: lastRead };
    } catch (error) {
      // Transient (IMDS answered the probe): try again next round, keeping what an earlier round read.
      lastError = error;
      return { done: false, value: lastRead };
    }
  });
  if (tags === "disabled") return { kind: "tags-disabled", instanceId, privateIp, region };
  if (tags === undefined) {
    throw new IdentityError(`cannot read tags from instance metadata at ${imdsEndpoint(endpoint)}: ${asError(lastError).message}`, {
      cause: lastError,
    });
  }
  return { kind: "tags", tags, instanceId, privateIp, region };
}

/** One listing plus one GET per key; "disabled" when the listing is 404. */
async function readTagsOnce(service: MetadataService): Promise<Tags | "disabled"> {
  let listing: string;
  try {
    listing = await service.request(path("tags/instance"), {});
  } catch (error) {
    if (statusOf(error) === 404) return "disabled";
    throw error;
  }
  const keys = listing
    .split("\n")
    .map((k) => k.trim())
    .filter((k) => k !== "");
  const values = await Promise.all(
    keys.map(async (key) => {
      try {
        return await service.request(path(`tags/instance/${KEY_PATTERN.test(key) ? key : encodeURIComponent(key)}`), {});
      } catch (error) {
        if (statusOf(error) === 404) return undefined; // removed between the listing and the read
        throw error;
      }
    }),
  );
  const tags: Tags = {};
  keys.forEach((key, i) => {
    const value = values[i];
    if (value !== undefined) tags[key] = value;
  });
  return tags;
}

async function optional(service: MetadataService, item: string): Promise<string | undefined> {
  try {
    const value = (await service.request(path(item), {})).trim();
    return value === "" ? undefined : value;
  } catch {
    return undefined; // best effort: an IPv6-only instance has no local-ipv4
  }
}

/**
 * The SDK sends `endpointUrl.pathname + path`, and the pathname of `http://169.254.169.254` is `/`:
 * `request("/latest/…")` would send `//latest/…`. Paths go without their leading slash.
 */
function path(item: string): string {
  return `latest/meta-data/${item}`;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
