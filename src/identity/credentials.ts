// Whether DescribeTags could get AWS credentials here, judged without loading the SDK (~0.6 s).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Seams for tests: the environment and home the credential sources are looked up in. */
export interface CredentialsOptions {
  /** Default process.env. */
  env?: Record<string, string | undefined>;
  /** The home whose ~/.aws is read; default os.homedir(). */
  homeDir?: string;
}

/** A line of a shared credentials/config file that gives a profile credentials of some kind. */
const CREDENTIAL_LINE = /^\s*(aws_access_key_id|credential_process|credential_source|role_arn|web_identity_token_file|sso_session|sso_start_url)\s*=/m;

/**
 * Where the SDK's default credential chain would find credentials, in its order, or undefined:
 * static keys, a web-identity token or a container endpoint in the environment; a shared credentials or
 * config file with a line that yields credentials (any profile: a cheap look, not the SDK's profile logic);
 * an instance role listed by IMDS. A yes can still fail (an expired key, a denied role): DescribeTags says why.
 */
export async function findCredentials(options: CredentialsOptions & { instanceRole: () => Promise<string | undefined> }): Promise<string | undefined> {
  const env = options.env ?? process.env;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return "AWS_ACCESS_KEY_ID in the environment";
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return "AWS_WEB_IDENTITY_TOKEN_FILE in the environment";
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return "container credentials (AWS_CONTAINER_CREDENTIALS_*)";
  const home = options.homeDir ?? homedir();
  for (const file of [env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, ".aws", "credentials"), env.AWS_CONFIG_FILE ?? join(home, ".aws", "config")]) {
    if (CREDENTIAL_LINE.test(readOrEmpty(file))) return `the shared file ${file}`;
  }
  // The SDK skips instance credentials when told to; so does this check.
  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true") return undefined;
  const role = await options.instanceRole();
  return role === undefined ? undefined : `the instance role ${role}`;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return ""; // absent or unreadable: no credentials from it
  }
}
