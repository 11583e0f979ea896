// Where the tags come from, in order (DESIGN.md §2): --tags-file/--tag, else IMDSv2, else DescribeTags.
import { networkInterfaces } from "node:os";
import { IdentityError } from "../cli/errors.js";
import type { Ec2Sender } from "./describe-tags.js";
import type { ImdsOptions } from "./imds.js";
import { ENABLE_IMDS_TAGS_HINT, type Tags } from "./tags.js";
import { parseTagOptions, readTagsFile } from "./tags-file.js";

export interface BoxFacts {
  instanceId: string;
  privateIp: string;
  source: "flags" | "imds" | "describe-tags";
}

export interface ReadTagsOptions {
  tagsFile?: string;
  /** Repeated --tag KEY=VALUE; these override the file's keys. An empty list counts as not given. */
  tags?: string[];
  /** How long IMDS, then DescribeTags, wait for the required tags. */
  tagWaitMs: number;
  imds?: Omit<ImdsOptions, "waitMs">;
  ec2Client?: Ec2Sender;
}

/**
 * The raw tags and where they came from. Does not validate them (identityFromTags does): after the wait
 * they may still be incomplete, and the caller fails closed.
 */
export async function readTags(options: ReadTagsOptions): Promise<{ tags: Tags; facts: BoxFacts }> {
  const flagTags = options.tags ?? [];
  if (options.tagsFile !== undefined || flagTags.length > 0) {
    const tags = {
      ...(options.tagsFile !== undefined ? readTagsFile(options.tagsFile) : {}),
      ...parseTagOptions(flagTags),
    };
    return { tags, facts: { instanceId: "local", privateIp: "127.0.0.1", source: "flags" } };
  }

  const imds = options.imds ?? {};
  // Loaded only when the tags are not given: a boot with --tags-file pays for neither SDK.
  const { imdsEndpoint, readImdsTags } = await import("./imds.js");
  const result = await readImdsTags({ ...imds, waitMs: options.tagWaitMs });
  if (result.kind === "unreachable") {
    throw new IdentityError(
      `no tags: not on EC2 (instance metadata unreachable at ${imdsEndpoint(imds.endpoint)}) and no --tags-file/--tag given`,
      {
        cause: result.error,
        details: [
          result.error.message,
          "Off EC2, give the tags with --tags-file FILE or --tag KEY=VALUE.",
          "In a container on EC2, the IMDSv2 token answer needs the launch template's MetadataOptions HttpPutResponseHopLimit >= 2.",
          ...ENABLE_IMDS_TAGS_HINT,
        ],
      },
    );
  }
  const privateIp = result.privateIp ?? localIpv4() ?? "127.0.0.1";
  if (result.kind === "tags") {
    return { tags: result.tags, facts: { instanceId: result.instanceId, privateIp, source: "imds" } };
  }
  // tags-disabled: IMDS did not wait, so DescribeTags gets the whole wait.
  const { describeInstanceTags } = await import("./describe-tags.js");
  const tags = await describeInstanceTags({
    instanceId: result.instanceId,
    region: result.region,
    client: options.ec2Client,
    waitMs: options.tagWaitMs,
    pollMs: imds.pollMs,
    sleep: imds.sleep,
    now: imds.now,
  });
  return { tags, facts: { instanceId: result.instanceId, privateIp, source: "describe-tags" } };
}

/** When IMDS has no local-ipv4 (an IPv6-only instance): the first non-internal IPv4 address of this host. */
function localIpv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}
