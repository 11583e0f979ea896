// What a user runs by hand when a cleanup could not delete something: one exact AWS CLI command per resource.

/** The Image Builder resources a build creates, with the CLI verb and option that delete each. */
const DELETE = {
  component: ["delete-component", "--component-build-version-arn"],
  "image recipe": ["delete-image-recipe", "--image-recipe-arn"],
  "infrastructure configuration": ["delete-infrastructure-configuration", "--infrastructure-configuration-arn"],
  "distribution configuration": ["delete-distribution-configuration", "--distribution-configuration-arn"],
  image: ["delete-image", "--image-build-version-arn"],
} as const;

/** The kinds of Image Builder resource a cleanup may have to leave to the user. */
export type ImagebuilderKind = keyof typeof DELETE;

/** `aws imagebuilder delete-… --…-arn ARN --region R`. */
export function deleteCommand(kind: ImagebuilderKind, arn: string, region: string): string {
  const [verb, option] = DELETE[kind];
  return `aws imagebuilder ${verb} ${option} ${arn} --region ${region}`;
}

/** `aws ec2 deregister-image …` for an AMI. */
export function deregisterCommand(amiId: string, region: string): string {
  return `aws ec2 deregister-image --image-id ${amiId} --region ${region}`;
}

/** `aws ec2 delete-snapshot …` for an AMI's snapshot. */
export function deleteSnapshotCommand(snapshotId: string, region: string): string {
  return `aws ec2 delete-snapshot --snapshot-id ${snapshotId} --region ${region}`;
}
