import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/errors.js";
import { clientToken, reviewRunInput, type Ec2ReviewUpOptions } from "../../../src/ec2/review/run-input.js";
import { NOW } from "../deps.js";

const AMI = "ami-0123456789abcdef0";
const base: Ec2ReviewUpOptions = { name: "pr-42", refs: {} };

describe("the RunInstances input of a review box", () => {
  it("launches one t3.large with IMDSv2 required, instance-metadata tags on and a hop limit of 1", () => {
    const input = reviewRunInput(base, AMI, NOW);
    expect(input).toMatchObject({
      ImageId: AMI,
      InstanceType: "t3.large",
      MinCount: 1,
      MaxCount: 1,
      MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled", InstanceMetadataTags: "enabled", HttpPutResponseHopLimit: 1 },
    });
    expect(input).not.toHaveProperty("SubnetId");
    expect(input).not.toHaveProperty("SecurityGroupIds");
  });

  it("tags the instance and its volumes with the design's tags, unibox's mark, the image, refs, expiry and max age", () => {
    const input = reviewRunInput(
      { ...base, refs: { api: "feature/login", web: "v1.2.3" }, stackRef: "staging-fixes", ttlMs: 8 * 3_600_000, maxAgeMs: 3 * 86_400_000 },
      AMI,
      NOW,
    );
    const expected = [
      { Key: "Name", Value: "unibox-review-pr-42" },
      { Key: "unibox:mode", Value: "review" },
      { Key: "unibox:box", Value: "pr-42" },
      { Key: "unibox:managed-by", Value: "unibox" },
      { Key: "unibox:image", Value: AMI },
      { Key: "unibox:ref.api", Value: "feature/login" },
      { Key: "unibox:ref.web", Value: "v1.2.3" },
      { Key: "unibox:stack-ref", Value: "staging-fixes" },
      { Key: "unibox:expires-at", Value: "2025-06-02T18:00:00.000Z" },
      { Key: "unibox:max-age-at", Value: "2025-06-05T10:00:00.000Z" },
    ];
    expect(input.TagSpecifications).toEqual([
      { ResourceType: "instance", Tags: expected },
      { ResourceType: "volume", Tags: expected },
    ]);
  });

  it("caps the expiry at the max age when the ttl would outlive it", () => {
    const input = reviewRunInput({ ...base, ttlMs: 48 * 3_600_000, maxAgeMs: 3_600_000 }, AMI, NOW);
    const tags = input.TagSpecifications![0].Tags!;
    expect(tags.find((t) => t.Key === "unibox:expires-at")?.Value).toBe("2025-06-02T11:00:00.000Z");
  });

  it("has no expiry tag without a ttl", () => {
    const keys = reviewRunInput(base, AMI, NOW).TagSpecifications![0].Tags!.map((t) => t.Key);
    expect(keys).not.toContain("unibox:expires-at");
    expect(keys).not.toContain("unibox:max-age-at");
  });

  it("passes the network, profile and key options through, a profile ARN as an ARN", () => {
    const input = reviewRunInput(
      { ...base, instanceType: "m6i.xlarge", subnetId: "subnet-0fedcba9876543210", securityGroupIds: ["sg-0aaa"], iamInstanceProfile: "arn:aws:iam::123456789012:instance-profile/review", keyName: "qa" },
      AMI,
      NOW,
    );
    expect(input).toMatchObject({
      InstanceType: "m6i.xlarge",
      SubnetId: "subnet-0fedcba9876543210",
      SecurityGroupIds: ["sg-0aaa"],
      IamInstanceProfile: { Arn: "arn:aws:iam::123456789012:instance-profile/review" },
      KeyName: "qa",
    });
    expect(reviewRunInput({ ...base, iamInstanceProfile: "review-box" }, AMI, NOW).IamInstanceProfile).toEqual({ Name: "review-box" });
  });

  it("derives a client token from the name and the launch time, at most 64 characters", () => {
    expect(reviewRunInput(base, AMI, NOW).ClientToken).toBe(clientToken("pr-42", NOW));
    expect(clientToken("pr-42", NOW)).toMatch(/^unibox-review-[0-9a-z]+-pr-42$/);
    expect(clientToken("pr-42", new Date(NOW.getTime() + 1))).not.toBe(clientToken("pr-42", NOW));
    expect(clientToken("x".repeat(40), NOW)).toMatch(/x{40}$/);
    expect(clientToken("x".repeat(40), NOW).length).toBeLessThanOrEqual(64);
  });

  it.each([
    ["a name with capitals", { name: "PR-42" }, /must match/],
    ["a name starting with a dash", { name: "-x" }, /must match/],
    ["a name too long", { name: "a".repeat(41) }, /must match/],
    ["a repo with a slash", { refs: { "org/api": "main" } }, /repo name may hold only/],
    ["an empty ref", { refs: { api: "" } }, /give a ref/],
    ["a ref too long for a tag", { refs: { api: "r".repeat(257) } }, /longer than EC2's 256/],
    ["a zero ttl", { ttlMs: 0 }, /--ttl: expected a positive duration/],
    ["a negative max age", { maxAgeMs: -1 }, /--max-age: expected a positive duration/],
    ["too many refs", { refs: Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`repo${i}`, "main"])) }, /EC2 allows 50/],
  ])("refuses %s with a usage error", (_, options, message) => {
    const run = () => reviewRunInput({ ...base, ...options } as Ec2ReviewUpOptions, AMI, NOW);
    expect(run).toThrow(UsageError);
    expect(run).toThrow(message);
  });
});
