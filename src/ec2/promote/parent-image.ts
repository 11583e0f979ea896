// The AMI a review box was launched from: the promoted image inherits its provenance, so it must be a sealed unibox AMI.
import { DescribeImagesCommand, type Image } from "@aws-sdk/client-ec2";
import { RuntimeFailure } from "../../errors.js";
import { awsFailure, errorName } from "../../image/targets/ec2/aws-error.js";
import { SEALED_TAG } from "../../image/targets/ec2/names.js";
import { withRetry } from "../../image/targets/ec2/retry.js";
import { tagMap } from "../box-tags.js";
import type { ResolvedDeps } from "../deps.js";

/** The parent AMI with its tags; a RuntimeFailure when it is gone or not sealed (its provenance would be unknown). */
export async function parentImage(d: ResolvedDeps, imageId: string, box: string): Promise<Image> {
  let image: Image | undefined;
  try {
    const out = await withRetry(() => d.ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }), { abortSignal: d.signal }), { policy: d.retry, signal: d.signal });
    image = out.Images?.[0];
  } catch (error) {
    if (errorName(error) !== "InvalidAMIID.NotFound") throw awsFailure(`reading the AMI ${imageId} that ${box} runs`, "ec2:DescribeImages", error);
  }
  if (!image) {
    throw new RuntimeFailure(`the AMI ${imageId} that review box ${box} was launched from is gone: the promoted image's repos could not be recorded; nothing was created`, {
      details: ["launch a new review box from a current image (unibox review up) and promote that one"],
    });
  }
  if (tagMap(image.Tags)[SEALED_TAG] !== "true") {
    throw new RuntimeFailure(`the AMI ${imageId} that review box ${box} runs is not a sealed unibox AMI: its provenance is unknown; nothing was created`, {
      details: ["promote only boxes launched from images unibox built (unibox image build --target ec2)"],
    });
  }
  return image;
}
