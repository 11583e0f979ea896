// Instance metadata, IMDSv2 only (DESIGN.md §2, RUNTIME-FACTS "EC2 tags from inside the instance").
import { MetadataService } from "@aws-sdk/ec2-metadata-service";
import { emptyTags, type Tags } from "./tags.js";

export interface ImdsOptions {
  /** Default: AWS_EC2_METADATA_SERVICE_ENDPOINT, else the SDK's default (profile setting, then http://169.254.169.254). */
  endpoint?: string;
  /** Per-request HTTP timeout (connect and response), default 1000; the SDK's default 0 means none. */
  timeoutMs?: number;
}

/** IMDS once it has answered: what it said at first contact, and the reads a poller repeats. */
export interface Imds {
  instanceId: string;
  privateIp?: string;
  region?: string;
  /**
   * One read of the instance's `unibox:` tags (other tools' keys are listed, not read). "not-found" when
   * tags/instance is 404: instance-metadata tags are off, or on but not there yet (autoscaling-group tags can
   * arrive after boot); IMDS cannot tell which. Throws on any other failure.
   */
  readTags(): Promise<Tags | "not-found">;
  /** The instance profile's role that IMDS lists at iam/security-credentials/, if any (best effort). */
  instanceRole(): Promise<string | undefined>;
}

/** IMDS answered (on EC2), or could not be reached (not on EC2). */
export type OpenImdsResult = { kind: "answered"; imds: Imds } | { kind: "unreachable"; error: Error };

export const DEFAULT_IMDS_ENDPOINT = "http://169.254.169.254";

/** The endpoint the SDK will use, for messages (a profile's ec2_metadata_service_endpoint is not looked up here). */
export function imdsEndpoint(endpoint?: string): string {
  return endpoint ?? process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? DEFAULT_IMDS_ENDPOINT;
}

/** Keys IMDS can list; they are path-safe as they are. Anything else is percent-encoded rather than trusted. */
const KEY_PATTERN = /^[A-Za-z0-9+\-=.,_:@]+$/;

/**
 * Asks IMDS for this instance's id, once and without retries: "unreachable" means not on EC2 (or a
 * container without the hop limit for the token). Then reads the facts that do not change.
 */
export async function openImds(options: ImdsOptions = {}): Promise<OpenImdsResult> {
  const endpoint = options.endpoint ?? process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  const timeout = options.timeoutMs ?? 1000;

  // A new MetadataService for every read: a token failure can latch the SDK's `disableFetchToken`, and with
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
  return {
    kind: "answered",
    imds: {
      instanceId,
      privateIp,
      region,
      readTags: () => readTagsOnce(service(2)),
      instanceRole: async () => (await optional(service(2), "iam/security-credentials/"))?.split("\n")[0].trim() || undefined,
    },
  };
}

/** The prefix of the keys unibox reads (identity/tags.ts ignores every other key). */
const OURS = "unibox:";

/**
 * One listing plus one GET per `unibox:` key. Other tools' keys ("Name", "aws:autoscaling:groupName") are
 * not read: each GET costs a token and a request every poll round, and a key IMDS cannot serve as listed
 * must not fail the read of the keys that decide what the box is.
 */
async function readTagsOnce(service: MetadataService): Promise<Tags | "not-found"> {
  let listing: string;
  try {
    listing = await service.request(path("tags/instance"), {});
  } catch (error) {
    if (statusOf(error) === 404) return "not-found";
    throw error;
  }
  const keys = listing
    .split("\n")
    .map((k) => k.trim())
    .filter((k) => k.startsWith(OURS));
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
  const tags = emptyTags();
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
    return undefined; // best effort: an IPv6-only instance has no local-ipv4, an instance without a role no credentials
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
