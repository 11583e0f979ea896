// Pruning unibox AMIs on EC2: the newest kept, the in-use and promoted ones kept, the rest removed with their snapshots.
export { ec2ImagePrune, type PruneOptions, type PruneResult } from "./prune.js";
export type { PruneDeps } from "./deps.js";
export type { RemovalFailure } from "./remove-image.js";
export { FINGERPRINT_TAG, PROMOTED_TAG } from "./list-images.js";
