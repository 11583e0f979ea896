import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { RuntimeFailure } from "../../../../src/errors.js";
import { decodeUserData, encodeUserData } from "../../../../src/image/targets/ec2/user-data.js";

describe("encodeUserData", () => {
  it("is the script gzipped, in base64: what cloud-init unpacks", () => {
    const script = "#!/bin/bash\necho héllo > /dev/console\n";
    const raw = Buffer.from(encodeUserData(script), "base64");
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(raw).toString("utf8")).toBe(script);
    expect(decodeUserData(encodeUserData(script))).toBe(script);
  });

  it("gives the same bytes for the same script", () => {
    expect(encodeUserData("#!/bin/bash\ntrue\n")).toBe(encodeUserData("#!/bin/bash\ntrue\n"));
  });

  it("accepts a 40 KB script that compresses under the limit", () => {
    expect(() => encodeUserData(`#!/bin/bash\n${"echo the same line again\n".repeat(1700)}`)).not.toThrow();
  });

  it("refuses a script whose gzip is over 16 KB, before anything is created", () => {
    const script = randomBytes(20 * 1024).toString("base64");
    const error = (() => {
      try {
        encodeUserData(script);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect((error as Error).message).toMatch(/^the provisioning script is \d+ bytes gzipped but EC2 user data is limited to 16384 bytes \(16 KB\); nothing was created$/);
  });
});
