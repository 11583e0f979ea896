// What a user runs to delete by hand what a failed cleanup left: one `aws ec2 …` command a resource.

/** The command that deletes `kind` `id` (kinds as in PlannedResource). */
export function deleteCommand(kind: "instance" | "security-group" | "ami" | "snapshot" | "volume", id: string): string {
  switch (kind) {
    case "instance":
      return `aws ec2 terminate-instances --instance-ids ${id}`;
    case "security-group":
      return `aws ec2 delete-security-group --group-id ${id}`;
    case "ami":
      return `aws ec2 deregister-image --image-id ${id}`;
    case "snapshot":
      return `aws ec2 delete-snapshot --snapshot-id ${id}`;
    case "volume":
      return `aws ec2 delete-volume --volume-id ${id}`;
  }
}

/** The command that lists what a build left of `kind`, when even finding it failed. */
export function findCommand(kind: "instance" | "security-group" | "ami", buildId: string): string {
  const filter = `--filters Name=tag:unibox:build-id,Values=${buildId}`;
  switch (kind) {
    case "instance":
      return `aws ec2 describe-instances ${filter} --query 'Reservations[].Instances[].InstanceId'`;
    case "security-group":
      return `aws ec2 describe-security-groups ${filter} --query 'SecurityGroups[].GroupId'`;
    case "ami":
      return `aws ec2 describe-images --owners self ${filter} --query 'Images[].ImageId'`;
  }
}
