// What the steps of one EC2 build share. Each id is recorded the moment AWS returns it, so a cleanup
// deletes what its step made even when the step failed half-way.
import type { BuildInput } from "../../types.js";
import type { Ec2Settings } from "./settings.js";

export interface Ec2BuildState {
  settings: Ec2Settings;
  input: BuildInput;
  /** ISO time the build started: the `unibox:build-started` tag the janitor ages resources by. */
  startedAt: string;
  /** The provisioning script, base64, checked against EC2's limit before anything was created. */
  userData: string;
  vpcId?: string;
  /** The create was sent: if no id came back (a lost response), the cleanup looks the resource up by its build tag. */
  sent: { group: boolean; instance: boolean; image: boolean };
  groupId?: string;
  instanceId?: string;
  /** `sha256:…` of the image tree, from the builder's OK marker. */
  tree?: string;
  imageId?: string;
  snapshotIds: string[];
  /** The AMI's CreationDate, once available. */
  imageCreated?: string;
}
