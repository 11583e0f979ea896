// Reuse: a sealed, available AMI of this account with the fingerprint means the build has nothing to do.
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import type { BuiltImage } from "../../types.js";
import { awsFailure } from "./aws-error.js";
import { FINGERPRINT_TAG, SEALED_TAG } from "./names.js";
import { withRetry } from "./retry.js";
import type { Ec2Settings } from "./settings.js";

/** The DescribeImages input that finds a sealed image of `fingerprint`. */
export function fingerprintQuery(fingerprint: string) {
  return {
    Owners: ["self"],
    Filters: [
      { Name: `tag:${FINGERPRINT_TAG}`, Values: [fingerprint] },
      { Name: `tag:${SEALED_TAG}`, Values: ["true"] },
      { Name: "state", Values: ["available"] },
    ],
  };
}

/** The newest sealed AMI built with `fingerprint`, if any. */
export async function findAmiByFingerprint(settings: Ec2Settings, fingerprint: string, signal: AbortSignal): Promise<BuiltImage | undefined> {
  let images;
  try {
    const out = await withRetry(() => settings.ec2.send(new DescribeImagesCommand(fingerprintQuery(fingerprint)), { abortSignal: signal }), {
      policy: settings.timing.retry,
      signal,
    });
    images = out.Images ?? [];
  } catch (error) {
    throw awsFailure(`looking for an AMI with fingerprint ${fingerprint}`, "ec2:DescribeImages", error);
  }
  const newest = images.filter((i) => i.ImageId).sort((a, b) => (b.CreationDate ?? "").localeCompare(a.CreationDate ?? ""))[0];
  if (!newest) return undefined;
  return { id: newest.ImageId!, fingerprint, created: newest.CreationDate ?? "", location: "ec2" };
}
