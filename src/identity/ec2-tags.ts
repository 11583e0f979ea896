// Tags when none are given (DESIGN.md §2): IMDSv2, asked again with a bound since autoscaling-group tags can
// arrive after boot, and DescribeTags meanwhile while IMDS has none; the first with every required key wins.
import { networkInterfaces } from "node:os";
import { IdentityError } from "../errors.js";
import { pollRounds, type PollOptions } from "../shared/poll.js";
import { findCredentials, type CredentialsOptions } from "./credentials.js";
import { defaultEc2Client, describeTagsFailure, describeTagsOnce, type Ec2Sender } from "./describe-tags.js";
import { imdsEndpoint, openImds, type Imds, type ImdsOptions } from "./imds.js";
import { emptyTags, ENABLE_IMDS_TAGS_HINT, missingRequiredTags, type BoxFacts, type Tags } from "./tags.js";

/** The pace of the asking: soon at first, since late tags usually land within seconds, then every 5 s at most. */
export const TAG_POLL = { intervalMs: 250, backoff: 2, maxIntervalMs: 5000 };

/** What readEc2Tags needs: the bound, and seams for tests (IMDS endpoint, clock, client, environment). */
export interface Ec2TagsOptions extends CredentialsOptions {
  /** How long to keep asking for the required tags. */
  waitMs: number;
  imds?: ImdsOptions;
  /** The pace and the clock; default TAG_POLL in real time. */
  poll?: Omit<PollOptions, "timeoutMs">;
  /** DescribeTags through this client, which brings its own credentials and region; default: one made when first needed. */
  ec2Client?: Ec2Sender;
}

/** What one source has said so far, for the result and for the message when the wait ends in vain. */
interface Seen {
  tags?: Tags;
  notFound: number;
  failures: number;
  lastError?: unknown;
}

/**
 * The instance's tags from IMDS, else from DescribeTags, and where they came from. Returns once a source
 * has every required key, or when the wait ends with what a source listed (incomplete: the caller fails
 * closed, naming the missing key). Throws IdentityError (exit 3) when off EC2, or when after the wait
 * no source has listed any tags, saying what was tried.
 */
export async function readEc2Tags(options: Ec2TagsOptions): Promise<{ tags: Tags; facts: BoxFacts }> {
  const opened = await openImds(options.imds);
  if (opened.kind === "unreachable") throw notOnEc2(opened.error, imdsEndpoint(options.imds?.endpoint));
  const { imds } = opened;
  const env = options.env ?? process.env;
  const fromImds: Seen = { notFound: 0, failures: 0 };
  const fromApi: Seen & { blocked: string[] } = { notFound: 0, failures: 0, blocked: [] };
  let client = options.ec2Client;

  const readImds = async () => {
    try {
      const read = await imds.readTags();
      if (read === "not-found") fromImds.notFound++;
      else fromImds.tags = read;
    } catch (error) {
      // Transient (IMDS answered before): asked again next round; tags an earlier round read are kept.
      fromImds.failures++;
      fromImds.lastError = error;
    }
  };
  const readApi = async () => {
    if (client === undefined) {
      const region = imds.region ?? env.AWS_REGION;
      const credentials = await findCredentials({ env, homeDir: options.homeDir, instanceRole: imds.instanceRole });
      fromApi.blocked = [
        ...(credentials === undefined ? ["no credentials on this instance (none in the environment or ~/.aws, no instance role in instance metadata)"] : []),
        ...(region === undefined ? ["no region (instance metadata has no placement/region, AWS_REGION is unset)"] : []),
      ];
      if (region === undefined || credentials === undefined) return;
      client = await defaultEc2Client(region);
    }
    try {
      fromApi.tags = await describeTagsOnce({ instanceId: imds.instanceId, client });
    } catch (error) {
      // Denied or throttled now may pass later (IAM propagates in seconds): asked again next round.
      fromApi.failures++;
      fromApi.lastError = error instanceof IdentityError ? error.cause : error;
    }
  };
  const complete = (tags: Tags | undefined) => tags !== undefined && missingRequiredTags(tags).length === 0;

  await pollRounds({ ...TAG_POLL, ...options.poll, timeoutMs: options.waitMs }, async () => {
    await readImds();
    // Once IMDS lists tags, instance-metadata tags are on and IMDS is the source: DescribeTags would list the same.
    if (fromImds.tags !== undefined) return { done: complete(fromImds.tags), value: undefined };
    await readApi();
    return { done: complete(fromApi.tags), value: undefined };
  });

  const facts = (source: BoxFacts["source"]): BoxFacts => ({
    instanceId: imds.instanceId,
    privateIp: imds.privateIp ?? localIpv4() ?? "127.0.0.1",
    source,
  });
  if (fromImds.tags !== undefined) return { tags: fromImds.tags, facts: facts("imds") };
  if (fromApi.tags !== undefined) return { tags: fromApi.tags, facts: facts("describe-tags") };
  throw waitedInVain(options.waitMs, imds, fromImds, fromApi);
}

function waitedInVain(waitMs: number, imds: Imds, fromImds: Seen, fromApi: Seen & { blocked: string[] }): IdentityError {
  const asked = [
    ...(fromImds.notFound > 0 ? [`answered 404 for tags/instance ${times(fromImds.notFound)} (instance-metadata tags off, or not there yet)`] : []),
    ...(fromImds.failures > 0 ? [`failed ${times(fromImds.failures)} to list tags/instance (last: ${messageOf(fromImds.lastError)})`] : []),
  ];
  const api =
    fromApi.failures > 0
      ? `failed ${times(fromApi.failures)}, last: ${describeTagsFailure(fromApi.lastError, imds.instanceId)}`
      : `not tried, ${fromApi.blocked.join(" and ")}`;
  const seconds = Number((waitMs / 1000).toFixed(1));
  return new IdentityError(
    `waited ${seconds} s for ${missingRequiredTags(emptyTags()).join(", ")}: instance metadata ${asked.join(", and ")}; DescribeTags: ${api}; starting nothing`,
    { cause: fromApi.lastError ?? fromImds.lastError, details: ENABLE_IMDS_TAGS_HINT },
  );
}

function notOnEc2(error: Error, endpoint: string): IdentityError {
  return new IdentityError(`no tags: not on EC2 (instance metadata unreachable at ${endpoint}) and no --tags-file/--tag given`, {
    cause: error,
    details: [
      error.message,
      "Off EC2, give the tags with --tags-file FILE or --tag KEY=VALUE.",
      "In a container on EC2, the IMDSv2 token answer needs the launch template's MetadataOptions HttpPutResponseHopLimit >= 2.",
      ...ENABLE_IMDS_TAGS_HINT,
    ],
  });
}

/** When IMDS has no local-ipv4 (an IPv6-only instance): the first non-internal IPv4 address of this host. */
function localIpv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

function times(n: number): string {
  return n === 1 ? "once" : n === 2 ? "twice" : `${n} times`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
