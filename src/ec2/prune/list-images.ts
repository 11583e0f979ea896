// The AMIs unibox built in this account: the ones tagged with a fingerprint, newest first.
import { DescribeImagesCommand, type Image } from "@aws-sdk/client-ec2";
import { awsFailure } from "../../image/targets/ec2/aws-error.js";
import { allPages } from "../../image/targets/ec2/pages.js";
import { withRetry } from "../../image/targets/ec2/retry.js";
import type { ResolvedPruneDeps } from "./deps.js";

/** The tag every unibox AMI carries. */
export const FINGERPRINT_TAG = "unibox:fingerprint";
/** The tag of an AMI made by `promote` from a reviewed box. */
export const PROMOTED_TAG = "unibox:promoted-from-box";

/** Every unibox AMI this account owns (all pages), newest first by CreationDate. */
export async function listUniboxImages(deps: Pick<ResolvedPruneDeps, "ec2" | "retry" | "signal">): Promise<Image[]> {
  const { ec2, signal } = deps;
  try {
    const pages = await allPages((token) =>
      withRetry(
        () => ec2.send(new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "tag-key", Values: [FINGERPRINT_TAG] }], NextToken: token }), { abortSignal: signal }),
        { policy: deps.retry, signal },
      ),
    );
    return pages
      .flatMap((p) => p.Images ?? [])
      .filter((i) => i.ImageId)
      .sort((a, b) => (b.CreationDate ?? "").localeCompare(a.CreationDate ?? "") || (b.ImageId ?? "").localeCompare(a.ImageId ?? ""));
  } catch (error) {
    throw awsFailure("listing this account's unibox AMIs", "ec2:DescribeImages", error);
  }
}

/** The value of tag `key` on `image`. */
export function tagValue(image: Image, key: string): string | undefined {
  return image.Tags?.find((t) => t.Key === key)?.Value;
}

/** The snapshots behind the AMI's volumes: they outlive a deregistration and cost money until deleted. */
export function snapshotsOf(image: Image): string[] {
  return (image.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
}
