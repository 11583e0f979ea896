// The provisioning script as EC2 user data: gzipped (cloud-init unpacks gzip itself), then base64, within
// EC2's 16 KB limit. The sample stack's script is ~25 KB as text and ~12 KB gzipped.
import { gunzipSync, gzipSync } from "node:zlib";
import { RuntimeFailure } from "../../../errors.js";

/** EC2 refuses user data over 16 KB, measured before base64 encoding. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/** The `UserData` of RunInstances; refuses, before anything is created, a script EC2 would refuse. */
export function encodeUserData(script: string): string {
  // Node writes mtime 0 and no name in the gzip header: the same script gives the same bytes.
  const gz = gzipSync(Buffer.from(script, "utf8"), { level: 9 });
  if (gz.length > USER_DATA_LIMIT_BYTES) {
    throw new RuntimeFailure(
      `the provisioning script is ${gz.length} bytes gzipped but EC2 user data is limited to ${USER_DATA_LIMIT_BYTES} bytes (16 KB); nothing was created`,
      { details: ["the script embeds the stack definition (roles/, envdirs/, image/ and image.yaml's include): keep large files out of it, in a repo"] },
    );
  }
  return gz.toString("base64");
}

/** The script back from `UserData` (tests, and anyone checking what a builder ran). */
export function decodeUserData(userData: string): string {
  return gunzipSync(Buffer.from(userData, "base64")).toString("utf8");
}
