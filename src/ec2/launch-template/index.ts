// Launch templates: a new version for a new AMI (promote), the previous version back (rollback), versions resolved.
export { retryPolicy, type CallOptions, type LaunchTemplateDeps } from "./deps.js";
export { addLaunchTemplateVersion, type AddLaunchTemplateVersionOptions, type AddedLaunchTemplateVersion } from "./add-version.js";
export { rollbackLaunchTemplate, type LaunchTemplateRollback, type RollbackLaunchTemplateOptions } from "./rollback.js";
export { findLaunchTemplate, isLaunchTemplateId, type LaunchTemplateInfo } from "./find-template.js";
export { findVersion, listVersions, normalizeVersion, resolveVersion, type LaunchTemplateVersionInfo, type TemplateRef } from "./versions.js";
