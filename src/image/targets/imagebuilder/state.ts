// What the imagebuilder steps share: the planned requests, and each resource's ARN once it exists (so every
// cleanup knows exactly what its step created, and nothing else).
import type { BuildInput } from "../../types.js";
import type { ComponentDocument } from "./component-document.js";
import type { ResourceNames } from "./names.js";
import type { Settings } from "./options.js";

/** The state one build's steps read and fill in. */
export interface BuildState {
  input: BuildInput;
  settings: Settings;
  region: string;
  names: ResourceNames;
  component: ComponentDocument;
  /** The provenance tags the AMI gets through the distribution configuration. */
  amiTags: Record<string, string>;
  /** The tags every Image Builder resource of this build gets, so a janitor can find them. */
  tags: Record<string, string>;

  componentArn?: string;
  recipeArn?: string;
  infrastructureArn?: string;
  distributionArn?: string;
  /** The image build version (`…:image/unibox-ub-…/<version>/1`). */
  imageArn?: string;
  /** The last status GetImage reported (PENDING, BUILDING, …, AVAILABLE, FAILED, CANCELLED). */
  imageStatus?: string;
  /** CancelImageCreation was sent (cancel or timeout): the cleanup waits for the image to stop. */
  cancelRequested?: boolean;
  /** The AMI an AVAILABLE image made in this region. */
  amiId?: string;
}
