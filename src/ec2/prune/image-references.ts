// What EC2 itself knows to reference an AMI (DescribeImageReferences): instances, the recent versions of every
// launch template (a new default not yet rolled out, the version a rollback would go back to), SSM parameters,
// Image Builder recipes.
import { DescribeImageReferencesCommand } from "@aws-sdk/client-ec2";
import { awsFailure } from "../../image/targets/ec2/aws-error.js";
import { allPages } from "../../image/targets/ec2/pages.js";
import { withRetry } from "../../image/targets/ec2/retry.js";
import { chunks } from "../../shared/chunks.js";
import type { ResolvedPruneDeps } from "./deps.js";
import { LIVE_INSTANCE_STATES } from "./instance-users.js";
import { addUse, type ImageUses } from "./uses.js";

/** EC2 takes at most 10 AMIs a call. */
const MAX_IMAGES = 10;

/** The resource an ARN names, as the other checks name it (`i-0abc…` for an instance), so the same user counts once. */
function resourceOf(type: string | undefined, arn: string): string {
  return type === "ec2:Instance" ? (arn.split("/").pop() ?? arn) : arn;
}

/** Adds to `uses` what references each of `imageIds`: every resource type, with terminated instances left out. */
export async function referencedImages(deps: Pick<ResolvedPruneDeps, "ec2" | "retry" | "signal">, imageIds: string[], uses: ImageUses): Promise<void> {
  const { ec2, signal } = deps;
  try {
    for (const slice of chunks(imageIds, MAX_IMAGES)) {
      const pages = await allPages((token) =>
        withRetry(
          () =>
            ec2.send(
              new DescribeImageReferencesCommand({
                ImageIds: slice,
                IncludeAllResourceTypes: true,
                // Overrides the default of "all states" for instances only; every other type keeps its defaults.
                ResourceTypes: [{ ResourceType: "ec2:Instance", ResourceTypeOptions: [{ OptionName: "state-name", OptionValues: LIVE_INSTANCE_STATES }] }],
                NextToken: token,
              }),
              { abortSignal: signal },
            ),
          { policy: deps.retry, signal },
        ),
      );
      for (const ref of pages.flatMap((p) => p.ImageReferences ?? [])) {
        if (!ref.ImageId || !ref.Arn) continue;
        addUse(uses, ref.ImageId, { resource: resourceOf(ref.ResourceType, ref.Arn), text: `${ref.ResourceType ?? "a resource"} ${ref.Arn} references it` });
      }
    }
  } catch (error) {
    throw awsFailure("asking EC2 what references the unibox AMIs", "ec2:DescribeImageReferences", error);
  }
}
