// What every delete of the EC2 target needs: the client, the bounds, somewhere to say what it waits for.
import type { Ec2Sender, Ec2Timing } from "./settings.js";

/** Cleanups get no AbortSignal from a build (they run after a cancel); the janitor passes its own. */
export interface CleanupOptions {
  ec2: Ec2Sender;
  timing: Ec2Timing;
  progress?: (message: string) => void;
  signal?: AbortSignal;
}
