// Where the tags come from, in order (DESIGN.md §2): --tags-file/--tag, else IMDSv2, else DescribeTags.
import type { PollOptions } from "../shared/poll.js";
import type { CredentialsOptions } from "./credentials.js";
import type { Ec2Sender } from "./describe-tags.js";
import type { ImdsOptions } from "./imds.js";
import { emptyTags, type BoxFacts, type Tags } from "./tags.js";

export type { BoxFacts };
import { readTagsFile, tagsFromFlags } from "./tags-file.js";


/** The identity input the CLI hands over (--tags-file, --tag, --tag-wait), plus seams for tests. */
export interface ReadTagsOptions extends CredentialsOptions {
  tagsFile?: string;
  /** Repeated --tag KEY=VALUE, as pairs; these override the file's keys. An empty list counts as not given. */
  tagFlags?: [string, string][];
  /** How long IMDS and DescribeTags are asked for the required tags. */
  tagWaitMs: number;
  /** Tests: where IMDS is, and its per-request timeout. */
  imds?: ImdsOptions;
  /** Tests: the pace and clock of the asking (default 250 ms, doubling to 5 s). */
  poll?: Omit<PollOptions, "timeoutMs">;
  /** Tests: DescribeTags through this client (it brings its own credentials and region). */
  ec2Client?: Ec2Sender;
}

/**
 * The raw tags and where they came from. Does not validate them (identityFromTags does): after the wait
 * they may still be incomplete, and the caller fails closed. A key given twice with different values in
 * the file, or in the --tag flags, is an IdentityError (exit 3); --tag overriding the file is not.
 */
export async function readTags(options: ReadTagsOptions): Promise<{ tags: Tags; facts: BoxFacts }> {
  const flagTags = options.tagFlags ?? [];
  if (options.tagsFile !== undefined || flagTags.length > 0) {
    const tags = Object.assign(
      emptyTags(),
      options.tagsFile !== undefined ? readTagsFile(options.tagsFile) : {},
      tagsFromFlags(flagTags),
    );
    return { tags, facts: { instanceId: "local", privateIp: "127.0.0.1", source: "flags" } };
  }
  // Loaded only when the tags are not given: a boot with --tags-file pays for neither AWS SDK.
  const { readEc2Tags } = await import("./ec2-tags.js");
  return readEc2Tags({ ...options, waitMs: options.tagWaitMs });
}
