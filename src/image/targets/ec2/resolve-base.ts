// The base AMI: the newest available EBS-backed image matching the recipe's name filter, owners and architecture.
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { RuntimeFailure } from "../../../errors.js";
import type { BaseImage } from "../../types.js";
import { awsFailure } from "./aws-error.js";
import { withRetry } from "./retry.js";
import type { Ec2Settings } from "./settings.js";

/** The DescribeImages input for the recipe's base filter. */
export function baseImageQuery(ami: Ec2Settings["ami"]) {
  return {
    Owners: ami.owners,
    Filters: [
      { Name: "name", Values: [ami.name] },
      { Name: "architecture", Values: [ami.architecture] },
      { Name: "state", Values: ["available"] },
      { Name: "root-device-type", Values: ["ebs"] },
    ],
  };
}

/** The newest AMI the recipe's filter matches today; a RuntimeFailure naming the filter when none does. */
export async function resolveBaseAmi(settings: Ec2Settings, signal: AbortSignal): Promise<BaseImage> {
  const query = baseImageQuery(settings.ami);
  let images;
  try {
    const out = await withRetry(() => settings.ec2.send(new DescribeImagesCommand(query), { abortSignal: signal }), { policy: settings.timing.retry, signal });
    images = out.Images ?? [];
  } catch (error) {
    throw awsFailure(`looking up the base AMI (name ${settings.ami.name})`, "ec2:DescribeImages", error);
  }
  const newest = images.filter((i) => i.ImageId).sort((a, b) => (b.CreationDate ?? "").localeCompare(a.CreationDate ?? ""))[0];
  if (!newest) {
    const { name, owners, architecture } = settings.ami;
    throw new RuntimeFailure(
      `no base AMI matches name "${name}", owners ${owners.join(", ")}, architecture ${architecture} (available, EBS-backed) in this region: check base.ami in image/image.yaml and the region (Debian's owner id is 136693071363)`,
    );
  }
  return { id: newest.ImageId!, name: newest.Name ?? newest.ImageId!, ...(newest.CreationDate ? { created: newest.CreationDate } : {}) };
}
