// Auto Scaling: roll a group out to a pinned launch-template version (instance refresh), or roll the template back.
export { rollout, type RolloutOptions, type RolloutResult } from "./rollout.js";
export { rollbackLaunchTemplate as rollback, type LaunchTemplateRollback, type RollbackLaunchTemplateOptions } from "../ec2/launch-template/rollback.js";
export { DEFAULT_ROLLOUT_POLL_MS, DEFAULT_ROLLOUT_TIMEOUT_MS, type AutoScalingSender, type RolloutDeps } from "./deps.js";
export { DEFAULT_CHECKPOINT_DELAY_SECONDS } from "./refresh-input.js";
export { TERMINAL_STATUSES } from "./refresh-outcome.js";
