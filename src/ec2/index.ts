// The EC2 side of review boxes, the fleet and promotion. Import it lazily (`await import(...)`):
// @aws-sdk/client-ec2 costs ~0.6 s to load, which only a command that talks to EC2 should pay.
export type { Ec2BoxDeps, Ec2Sender } from "./deps.js";
export { ec2ReviewUp, DEFAULT_UP_TIMEOUT_MS } from "./review/up.js";
export type { Ec2ReviewUpOptions } from "./review/run-input.js";
export { ec2ReviewLs, type Ec2ReviewLsOptions } from "./review/ls.js";
export { ec2ReviewDown } from "./review/down.js";
export { ec2ReviewReap, type Ec2ReapOptions, type Ec2ReapReport } from "./review/reap.js";
export { ec2FleetLs, type Ec2FleetLsOptions } from "./fleet/ls.js";
export { ec2Promote, DEFAULT_IMAGE_TIMEOUT_MS, type Ec2PromoteOptions, type Ec2PromoteResult } from "./promote/promote.js";
export { BOX_TAG, MANAGED_BY_UNIBOX } from "./box-tags.js";
export { PROMOTION_TAG } from "./promote/image-tags.js";
