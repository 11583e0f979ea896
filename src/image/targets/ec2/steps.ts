// The EC2 build, as the literal list of its steps (Packer's multistep): run in order, cleaned up in reverse.
import type { Step } from "../../runner.js";
import { createImageStep } from "./create-image.js";
import { createSecurityGroupStep } from "./create-security-group.js";
import { launchBuilderStep } from "./launch-builder.js";
import type { Ec2BuildState } from "./state.js";
import { tagImageStep } from "./tag-image.js";
import { waitForProvisioningStep } from "./wait-for-provisioning.js";

/** The steps of every EC2 build, in order. */
export const EC2_STEPS: Step<Ec2BuildState>[] = [createSecurityGroupStep, launchBuilderStep, waitForProvisioningStep, createImageStep, tagImageStep];
