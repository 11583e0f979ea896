// The region the build runs in: the distribution configuration names it, and the result says where the AMI is.
import { RuntimeFailure } from "../../../errors.js";

/** The region of `client`'s config (a string or the SDK's provider), else `fallback`; fails when neither tells. */
export async function regionOf(client: unknown, fallback?: string): Promise<string> {
  const configured = (client as { config?: { region?: unknown } } | null)?.config?.region;
  let region: unknown = configured;
  let problem: unknown;
  if (typeof configured === "function") {
    // The SDK's provider throws "Region is missing" when neither the options, AWS_REGION nor a profile set one.
    region = await (configured as () => Promise<unknown>)().catch((error: unknown) => {
      problem = error;
      return undefined;
    });
  }
  if (typeof region === "string" && region !== "") return region;
  if (fallback) return fallback;
  throw new RuntimeFailure(
    "the imagebuilder target does not know its AWS region: expected one in the client's config or the target's options, found none; set AWS_REGION (or a profile's region)",
    { cause: problem },
  );
}
