// EC2 DescribeImages for the imagebuilder target: the newest base AMI matching the recipe's filter, and an
// image this fingerprint already has (reuse). The queries are the ec2 target's own, so both targets pick the
// same base and reuse the same images; only the paging and retrying is this target's.
import { DescribeImagesCommand, type DescribeImagesCommandInput, type Image } from "@aws-sdk/client-ec2";
import { RuntimeFailure } from "../../../errors.js";
import type { BaseImage } from "../../types.js";
import { awsFailure } from "./aws-errors.js";
import type { Ec2Sender } from "./options.js";
import { fingerprintQuery } from "../ec2/find-by-fingerprint.js";
import { baseImageQuery } from "../ec2/resolve-base.js";
import { withRetry } from "./retry.js";

interface LookupOptions {
  signal: AbortSignal;
  retry: { delaysMs: number[]; sleep: (ms: number, signal?: AbortSignal) => Promise<void> };
}

/** Every image DescribeImages returns for `input`, all pages read. */
export async function describeAllImages(ec2: Ec2Sender, input: DescribeImagesCommandInput, options: LookupOptions): Promise<Image[]> {
  const images: Image[] = [];
  let NextToken: string | undefined;
  do {
    const page = await withRetry(() => ec2.send(new DescribeImagesCommand({ ...input, NextToken }), { abortSignal: options.signal }), { ...options.retry, signal: options.signal });
    images.push(...(page.Images ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return images;
}

/** The newest available AMI named like `ami.name`, owned by one of `ami.owners`, of `ami.architecture`. */
export async function newestBaseAmi(ec2: Ec2Sender, ami: { name: string; owners: string[]; architecture: string }, options: LookupOptions): Promise<BaseImage> {
  let images: Image[];
  try {
    images = await describeAllImages(ec2, baseImageQuery(ami), options);
  } catch (error) {
    throw awsFailure("DescribeImages (base AMI)", error);
  }
  const newest = newestFirst(images)[0];
  if (!newest?.ImageId) {
    throw new RuntimeFailure(
      `no base AMI matches name "${ami.name}", owners ${ami.owners.join(", ")}, architecture ${ami.architecture}, state available: ` +
        `expected at least one; check image/image.yaml's base filter and that the region has such an image`,
    );
  }
  return { id: newest.ImageId, name: newest.Name ?? newest.ImageId, ...(newest.CreationDate ? { created: newest.CreationDate } : {}) };
}

/** The newest sealed AMI of this account tagged with `fingerprint`, if any. */
export async function sealedImageByFingerprint(ec2: Ec2Sender, fingerprint: string, options: LookupOptions): Promise<Image | undefined> {
  let images: Image[];
  try {
    images = await describeAllImages(ec2, fingerprintQuery(fingerprint), options);
  } catch (error) {
    throw awsFailure("DescribeImages (reuse by fingerprint)", error);
  }
  return newestFirst(images)[0];
}

function newestFirst(images: Image[]): Image[] {
  return [...images].sort((a, b) => (b.CreationDate ?? "").localeCompare(a.CreationDate ?? ""));
}
