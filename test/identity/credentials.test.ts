import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findCredentials } from "../../src/identity/credentials.js";

const root = mkdtempSync(join(tmpdir(), "unibox-credentials-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A home whose ~/.aws holds `files`. */
function home(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(root, "home-"));
  mkdirSync(join(dir, ".aws"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, ".aws", name), text);
  return dir;
}

describe("findCredentials", () => {
  it.each<{ where: string; env?: Record<string, string>; files?: Record<string, string>; role?: string; found: string | undefined }>([
    { where: "static keys in the environment", env: { AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "s" }, role: "r", found: "AWS_ACCESS_KEY_ID in the environment" },
    { where: "a web-identity token", env: { AWS_WEB_IDENTITY_TOKEN_FILE: "/t", AWS_ROLE_ARN: "arn:aws:iam::1:role/r" }, found: "AWS_WEB_IDENTITY_TOKEN_FILE in the environment" },
    { where: "a container endpoint", env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/creds" }, found: "container credentials (AWS_CONTAINER_CREDENTIALS_*)" },
    { where: "a key in ~/.aws/credentials", files: { credentials: "[default]\naws_access_key_id = AKID\naws_secret_access_key = s\n" }, found: "the shared file HOME/.aws/credentials" },
    { where: "a role profile in ~/.aws/config", files: { config: "[profile box]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n" }, found: "the shared file HOME/.aws/config" },
    { where: "the instance role", role: "box-role", found: "the instance role box-role" },
    { where: "nowhere: a key id without its secret", env: { AWS_ACCESS_KEY_ID: "AKID" }, found: undefined },
    { where: "nowhere: a config file with only a region", files: { config: "[default]\nregion = eu-west-1\n" }, found: undefined },
    { where: "nowhere: a role, with instance metadata disabled for the SDK", env: { AWS_EC2_METADATA_DISABLED: "true" }, role: "box-role", found: undefined },
    { where: "nowhere at all", found: undefined },
  ])("finds $where", async ({ env = {}, files, role, found }) => {
    const homeDir = home(files);
    const result = await findCredentials({ env, homeDir, instanceRole: async () => role });
    expect(result?.replace(homeDir, "HOME")).toBe(found);
  });

  it("reads the files AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE name instead of ~/.aws", async () => {
    const file = join(root, "elsewhere-credentials");
    writeFileSync(file, "[default]\naws_access_key_id = AKID\n");
    const homeDir = home({ credentials: "" });
    expect(await findCredentials({ env: { AWS_SHARED_CREDENTIALS_FILE: file }, homeDir, instanceRole: async () => undefined })).toBe(`the shared file ${file}`);
  });

  it("asks instance metadata for a role only when nothing cheaper has credentials", async () => {
    let asked = 0;
    const instanceRole = async () => {
      asked++;
      return "box-role";
    };
    await findCredentials({ env: { AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "s" }, homeDir: home(), instanceRole });
    expect(asked).toBe(0);
    await findCredentials({ env: {}, homeDir: home(), instanceRole });
    expect(asked).toBe(1);
  });
});
