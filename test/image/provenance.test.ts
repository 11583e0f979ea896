// The provenance statement beside manifest.json: its exact shape for a known build, and the check `image verify`
// runs (a matching digest passes; a different digest or a malformed statement fails, saying what is wrong).
import { describe, expect, it } from "vitest";
import { RuntimeFailure } from "../../src/errors.js";
import { provenanceStatement, verifyStatement } from "../../src/image/provenance.js";
import type { Manifest, ResolvedRecipe } from "../../src/image/types.js";

const TREE = `sha256:${"ab".repeat(32)}`;
const OTHER = `sha256:${"cd".repeat(32)}`;
const API_COMMIT = "0123456789abcdef0123456789abcdef01234567";
const WEB_COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
const LIB_COMMIT = "fedcba9876543210fedcba9876543210fedcba98";
const NODE_SHA = "1".repeat(64);
const PY_SHA = "2".repeat(64);

const recipe: ResolvedRecipe = {
  stackRoot: "/src/stack",
  base: { id: "ami-0abc1234def567890", name: "debian-12-amd64-20240717-1811", created: "2024-07-17T18:11:00.000Z" },
  buildUser: "unibox",
  serviceUsers: ["api", "unibox"],
  packages: ["runit", "postgresql"],
  runtimes: [
    { name: "node", requested: "20", version: "20.20.2", archive: { url: "https://nodejs.org/dist/v20.20.2/node-v20.20.2-linux-x64.tar.xz", sha256: NODE_SHA } },
    { name: "python", requested: "3", version: "3.11.2", host: { path: "/usr/bin/python3.11", sha256: PY_SHA } },
  ],
  repos: [
    { name: "api", url: "./apps/api", ref: "HEAD", commit: API_COMMIT, build: ["npm ci --omit=dev"], localPath: "/src/stack/apps/api" },
    { name: "web", url: "https://github.com/acme/web.git", ref: "main", commit: WEB_COMMIT, build: [] },
    { name: "lib", url: "git@github.com:acme/lib.git", ref: "v1.2.0", commit: LIB_COMMIT, build: ["make"] },
  ],
  stackFiles: ["image/image.yaml", "roles/api.yaml"],
  allowSecrets: ["opt/unibox/apps/api/test/"],
};

const manifest: Manifest = {
  schema: "unibox.manifest/v1",
  id: "ami-0fedcba9876543210",
  fingerprint: `sha256:${"9".repeat(64)}`,
  target: "ec2",
  created: "2025-01-02T03:04:05.000Z",
  base: recipe.base,
  repos: {},
  runtimes: {},
  packages: recipe.packages,
  unibox: { version: "0.1.0" },
  builder: { id: "unibox@0.1.0", host: "ci-runner-7" },
  ciRunUrl: "https://github.com/acme/stack/actions/runs/42",
};

describe("provenanceStatement", () => {
  it("is an in-toto Statement v1 with a SLSA Provenance v1 predicate holding the recipe, its resolution and the builder", () => {
    const statement = provenanceStatement({
      manifest,
      recipe,
      treeDigest: TREE,
      startedOn: "2025-01-02T03:00:00.000Z",
      finishedOn: "2025-01-02T03:04:05.000Z",
      buildId: "ub-20250102-030000-a1b2c3",
      baseFilter: { ami: { name: "debian-12-amd64-*", owners: ["136693071363"], architecture: "x86_64" } },
    });
    expect(statement).toStrictEqual({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "opt/unibox", digest: { sha256: "ab".repeat(32) }, annotations: { image: "ami-0fedcba9876543210" } }],
      predicateType: "https://slsa.dev/provenance/v1",
      predicate: {
        buildDefinition: {
          buildType: "https://unibox.dev/image-build/v1",
          externalParameters: {
            target: "ec2",
            fingerprint: `sha256:${"9".repeat(64)}`,
            recipe: {
              base: { ami: { name: "debian-12-amd64-*", owners: ["136693071363"], architecture: "x86_64" } },
              user: "unibox",
              packages: ["runit", "postgresql"],
              runtimes: { node: "20", python: "3" },
              repos: [
                { name: "api", url: "./apps/api", ref: "HEAD", build: ["npm ci --omit=dev"] },
                { name: "web", url: "https://github.com/acme/web.git", ref: "main", build: [] },
                { name: "lib", url: "git@github.com:acme/lib.git", ref: "v1.2.0", build: ["make"] },
              ],
              allowSecrets: ["opt/unibox/apps/api/test/"],
            },
          },
          internalParameters: {
            buildId: "ub-20250102-030000-a1b2c3",
            builderHost: "ci-runner-7",
            ciRunUrl: "https://github.com/acme/stack/actions/runs/42",
          },
          resolvedDependencies: [
            { name: "api", uri: "git+file:///src/stack/apps/api@HEAD", digest: { gitCommit: API_COMMIT } },
            { name: "web", uri: "git+https://github.com/acme/web.git@main", digest: { gitCommit: WEB_COMMIT } },
            { name: "lib", uri: "git+ssh://git@github.com/acme/lib.git@v1.2.0", digest: { gitCommit: LIB_COMMIT } },
            { name: "debian-12-amd64-20240717-1811", uri: "ami:ami-0abc1234def567890" },
            { name: "node@20.20.2", uri: "https://nodejs.org/dist/v20.20.2/node-v20.20.2-linux-x64.tar.xz", digest: { sha256: NODE_SHA } },
            { name: "python@3.11.2", uri: "file:///usr/bin/python3.11", digest: { sha256: PY_SHA } },
          ],
        },
        runDetails: {
          builder: { id: "https://unibox.dev/builder/ec2", version: { unibox: "0.1.0" } },
          metadata: { invocationId: "ub-20250102-030000-a1b2c3", startedOn: "2025-01-02T03:00:00.000Z", finishedOn: "2025-01-02T03:04:05.000Z" },
        },
      },
    });
  });

  it("names a host base by its host id, and falls back to the image id and the manifest's CI URL when not given them", () => {
    const host = { id: "host:debian-12", name: "Debian GNU/Linux 12 (bookworm)" };
    const statement = provenanceStatement({
      manifest: { ...manifest, id: "img-999999999999", target: "local", base: host, ciRunUrl: undefined },
      recipe: { ...recipe, base: host, runtimes: [], repos: [] },
      treeDigest: TREE,
      startedOn: "s",
      finishedOn: "f",
    });
    expect(statement.predicate.buildDefinition.externalParameters.recipe).toMatchObject({ base: "host" });
    expect(statement.predicate.buildDefinition.resolvedDependencies).toStrictEqual([{ name: "Debian GNU/Linux 12 (bookworm)", uri: "host:debian-12" }]);
    expect(statement.predicate.buildDefinition.internalParameters).toStrictEqual({ buildId: "img-999999999999", builderHost: "ci-runner-7" });
    expect(statement.predicate.runDetails.metadata.invocationId).toBe("img-999999999999");
    expect(statement.predicate.runDetails.builder.id).toBe("https://unibox.dev/builder/local");
  });

  it("refuses a tree digest that is not sha256:<64 hex>", () => {
    const make = () => provenanceStatement({ manifest, recipe, treeDigest: "ab".repeat(32), startedOn: "s", finishedOn: "f" });
    expect(make).toThrow(RuntimeFailure);
    expect(make).toThrow(`expected a tree digest "sha256:<64 hex>", got "${"ab".repeat(32)}"`);
  });
});

describe("verifyStatement", () => {
  const statement = () => JSON.parse(JSON.stringify(provenanceStatement({ manifest, recipe, treeDigest: TREE, startedOn: "s", finishedOn: "f" })));

  it("passes a statement read back from JSON against the digest it names", () => {
    expect(verifyStatement(statement(), TREE)).toStrictEqual({ ok: true, expected: TREE, actual: TREE, problems: [] });
  });

  it("fails on another digest, naming both", () => {
    expect(verifyStatement(statement(), OTHER)).toStrictEqual({
      ok: false,
      expected: TREE,
      actual: OTHER,
      problems: [
        `the tree's digest is ${OTHER}, the statement says ${TREE}: the tree changed after the image was sealed, or the statement belongs to another image`,
      ],
    });
  });

  const edit = (change: (s: Record<string, any>) => void) => {
    const s = statement();
    change(s);
    return s;
  };

  it.each([
    ["null", () => null, "", ["the statement is not a JSON object (found null): expected an in-toto Statement v1"]],
    ["a list", () => [], "", ["the statement is not a JSON object (found a list): expected an in-toto Statement v1"]],
    [
      "an empty object",
      () => ({}),
      "",
      [
        '_type is missing, expected "https://in-toto.io/Statement/v1"',
        'predicateType is missing, expected "https://slsa.dev/provenance/v1"',
        "subject is missing, expected a list holding the image tree",
        "predicate lacks buildDefinition or runDetails: expected a SLSA Provenance v1 predicate",
      ],
    ],
    [
      "a Statement v0.1",
      () => edit((s) => (s._type = "https://in-toto.io/Statement/v0.1")),
      TREE,
      ['_type is "https://in-toto.io/Statement/v0.1", expected "https://in-toto.io/Statement/v1"'],
    ],
    [
      "a SLSA v0.2 predicate type",
      () => edit((s) => (s.predicateType = "https://slsa.dev/provenance/v0.2")),
      TREE,
      ['predicateType is "https://slsa.dev/provenance/v0.2", expected "https://slsa.dev/provenance/v1"'],
    ],
    [
      "two subjects",
      () => edit((s) => s.subject.push(s.subject[0])),
      "",
      ["subject has 2 entries, expected exactly one: the image tree"],
    ],
    [
      "a subject with only a sha512",
      () => edit((s) => (s.subject[0].digest = { sha512: "ab".repeat(64) })),
      "",
      ["subject[0].digest.sha256 is missing, expected 64 lowercase hex digits"],
    ],
    [
      "an uppercase digest",
      () => edit((s) => (s.subject[0].digest.sha256 = "AB".repeat(32))),
      "",
      [`subject[0].digest.sha256 is "${"AB".repeat(32)}", expected 64 lowercase hex digits`],
    ],
    [
      "a predicate without runDetails",
      () => edit((s) => delete s.predicate.runDetails),
      TREE,
      ["predicate lacks buildDefinition or runDetails: expected a SLSA Provenance v1 predicate"],
    ],
  ])("fails on %s, listing each problem", (_name, make, expected, problems) => {
    expect(verifyStatement(make(), TREE)).toStrictEqual({ ok: false, expected, actual: TREE, problems });
  });
});
