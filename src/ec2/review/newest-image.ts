// The AMI a review box runs when none is named: the newest sealed unibox AMI of this account.
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { UsageError } from "../../errors.js";
import { awsFailure } from "../../image/targets/ec2/aws-error.js";
import { SEALED_TAG } from "../../image/targets/ec2/names.js";
import { allPages } from "../../image/targets/ec2/pages.js";
import { withRetry } from "../../image/targets/ec2/retry.js";
import type { ResolvedDeps } from "../deps.js";

/** The DescribeImages input listing sealed, available AMIs owned by this account. */
export const SEALED_IMAGES_QUERY = {
  Owners: ["self"],
  Filters: [
    { Name: `tag:${SEALED_TAG}`, Values: ["true"] },
    { Name: "state", Values: ["available"] },
  ],
};

/** The id of the newest sealed AMI (by CreationDate); a UsageError when there is none. */
export async function newestSealedImage(deps: ResolvedDeps): Promise<string> {
  const { ec2, signal } = deps;
  let images;
  try {
    const pages = await allPages((NextToken) =>
      withRetry(() => ec2.send(new DescribeImagesCommand({ ...SEALED_IMAGES_QUERY, NextToken }), { abortSignal: signal }), { policy: deps.retry, signal }),
    );
    images = pages.flatMap((p) => p.Images ?? []);
  } catch (error) {
    throw awsFailure("looking for the newest sealed unibox AMI", "ec2:DescribeImages", error);
  }
  // CreationDate is ISO-8601 in UTC: the strings sort as the times do.
  const newest = images.filter((i) => i.ImageId).sort((a, b) => (b.CreationDate ?? "").localeCompare(a.CreationDate ?? ""))[0];
  if (!newest) {
    throw new UsageError(`no sealed unibox AMI in this account and region (${SEALED_TAG}=true, available)`, {
      details: ["build one with: unibox image build --target ec2", "or name one with --image ami-..."],
    });
  }
  return newest.ImageId!;
}
