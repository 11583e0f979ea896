// The target a build runs on, by name. The AWS SDK clients are imported here, only for the targets that need
// them: `unibox boot` and the local target never load them.
import { UsageError } from "../../errors.js";
import type { ImageRecipe } from "../../stack/types.js";
import type { Store } from "../store.js";
import type { Target, TargetName } from "../types.js";
import { localTarget } from "./local/index.js";

export const TARGET_NAMES: TargetName[] = ["local", "ec2", "imagebuilder"];

export async function makeTarget(name: TargetName, recipe: ImageRecipe, store: Store): Promise<Target> {
  if (name === "local") return localTarget(store);
  if (!("ami" in recipe.base)) {
    throw new UsageError(`the ${name} target needs an AMI base; image/image.yaml says base: host`, { details: ["Give base: { ami: { name: debian-12-amd64-*, owners: [\"136693071363\"] } }."] });
  }
  const ami = recipe.base.ami;
  const { EC2Client } = await import("@aws-sdk/client-ec2");
  const ec2 = new EC2Client({});
  if (name === "ec2") {
    const { ec2Target } = await import("./ec2/index.js");
    return ec2Target({ ec2, ami });
  }
  const { ImagebuilderClient } = await import("@aws-sdk/client-imagebuilder");
  const { imageBuilderTarget } = await import("./imagebuilder/index.js");
  return imageBuilderTarget({ imagebuilder: new ImagebuilderClient({}), ec2, ami });
}
