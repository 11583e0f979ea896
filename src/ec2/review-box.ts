// An EC2 instance as `review up/ls/down/reap` report it (src/review/types.ts).
import type { Instance } from "@aws-sdk/client-ec2";
import type { ReviewBox } from "../review/types.js";
import { BOX_TAG, refsOf, tagMap } from "./box-tags.js";
import { instanceAddress, launchedAt, stateOf } from "./instances.js";

export const DEFAULT_URL_PORT = 8080;

/** The URL QA opens: the entry's port on the box's address ("" while it has none). */
export function boxUrl(instance: Instance, urlPort: number): string {
  const address = instanceAddress(instance);
  return address ? `http://${address.includes(":") ? `[${address}]` : address}:${urlPort}/` : "";
}

/** The report of one review box; `healthy` as asked by the caller (null: not asked or unreachable). */
export function toReviewBox(instance: Instance, healthy: boolean | null, urlPort: number): ReviewBox {
  const tags = tagMap(instance.Tags);
  const launched = launchedAt(instance) ?? "";
  const refs: ReviewBox["refs"] = {};
  // On EC2 only the ref is known here: the box resolves it to a commit at boot.
  for (const [repo, ref] of Object.entries(refsOf(tags))) refs[repo] = { ref };
  return {
    name: tags[BOX_TAG.box] ?? instance.InstanceId ?? "",
    target: "ec2",
    url: boxUrl(instance, urlPort),
    image: instance.ImageId ?? tags[BOX_TAG.image] ?? "",
    refs,
    ...(tags[BOX_TAG.stackRef] ? { stackRef: tags[BOX_TAG.stackRef] } : {}),
    createdAt: launched,
    ...(tags[BOX_TAG.expiresAt] ? { expiresAt: tags[BOX_TAG.expiresAt] } : {}),
    // EC2 sees no request through the entry: the launch is the last activity it knows of.
    ...(launched ? { lastActivity: launched } : {}),
    healthy,
    state: stateOf(instance),
    ...(instance.InstanceId ? { instanceId: instance.InstanceId } : {}),
  };
}
