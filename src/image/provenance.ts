// The image's provenance: an in-toto Statement v1 whose predicate is SLSA Provenance v1, written beside
// manifest.json, and the check `unibox image verify` runs against a recomputed tree digest.
//
// Field names as the specifications give them (looked up, not guessed):
//   - Statement: in-toto/attestation spec/v1/statement.md: `_type` "https://in-toto.io/Statement/v1", `subject`
//     (ResourceDescriptors, each MUST have `digest`), `predicateType`, `predicate`.
//   - ResourceDescriptor: in-toto/attestation spec/v1/resource_descriptor.md: `name`, `uri`, `digest` (algorithm ->
//     hex, e.g. `sha256`, `gitCommit`), `content`, `downloadLocation`, `mediaType`, `annotations`; at least one of
//     uri, digest, content.
//   - Predicate: slsa-framework/slsa docs/spec/v1.1/schema/provenance.cue, predicateType
//     "https://slsa.dev/provenance/v1": `buildDefinition { buildType, externalParameters, internalParameters,
//     resolvedDependencies }`, `runDetails { builder { id, builderDependencies, version }, metadata { invocationId,
//     startedOn, finishedOn }, byproducts }`; git sources as `git+<url>@<ref>` with `digest.gitCommit`.
import { RuntimeFailure } from "../errors.js";
import type { Manifest, ResolvedRecipe, ResolvedRepo, ResolvedRuntime } from "./types.js";

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
/** Ours: what externalParameters and internalParameters mean. Stable: a verifier's policy matches on it. */
export const UNIBOX_BUILD_TYPE = "https://unibox.dev/image-build/v1";
/** The subject's name: the tree the digest covers. */
export const SUBJECT_NAME = "opt/unibox";

/** An in-toto ResourceDescriptor (the fields unibox uses). */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, unknown>;
}

/** The SLSA Provenance v1 predicate. */
export interface SlsaProvenance {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters: Record<string, unknown>;
    resolvedDependencies: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string; version: Record<string, string> };
    metadata: { invocationId: string; startedOn: string; finishedOn: string };
  };
}

/** An in-toto Statement v1 about one image tree. */
export interface InTotoStatement {
  _type: typeof STATEMENT_TYPE;
  subject: ResourceDescriptor[];
  predicateType: typeof SLSA_PROVENANCE_V1;
  predicate: SlsaProvenance;
}

/** The statement for a built image: the tree's digest as the subject, the recipe and everything it resolved to as the
 *  build's parameters and dependencies, unibox as the builder. `buildId` is the build's id (BuildInput.buildId; the
 *  image id when absent); `baseFilter` is image.yaml's `base` as written ("host" or { ami: {...} }). */
export function provenanceStatement(args: {
  manifest: Manifest;
  recipe: ResolvedRecipe;
  treeDigest: string;
  startedOn: string;
  finishedOn: string;
  ciRunUrl?: string;
  buildId?: string;
  baseFilter?: unknown;
}): InTotoStatement {
  const { manifest, recipe } = args;
  const sha256 = hexOf(args.treeDigest);
  if (!sha256) throw new RuntimeFailure(`cannot write the provenance statement: expected a tree digest "sha256:<64 hex>", got ${JSON.stringify(args.treeDigest)}`);
  const buildId = args.buildId ?? manifest.id;
  const ciRunUrl = args.ciRunUrl ?? manifest.ciRunUrl;
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: SUBJECT_NAME, digest: { sha256 }, annotations: { image: manifest.id } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: UNIBOX_BUILD_TYPE,
        externalParameters: {
          target: manifest.target,
          fingerprint: manifest.fingerprint,
          recipe: {
            base: args.baseFilter ?? (isHost(recipe.base.id) ? "host" : recipe.base.id),
            user: recipe.buildUser,
            packages: recipe.packages,
            runtimes: Object.fromEntries(recipe.runtimes.map((r) => [r.name, r.requested])),
            repos: recipe.repos.map((r) => ({ name: r.name, url: r.url, ref: r.ref, build: r.build })),
            allowSecrets: recipe.allowSecrets,
          },
        },
        internalParameters: { buildId, builderHost: manifest.builder.host, ...(ciRunUrl ? { ciRunUrl } : {}) },
        resolvedDependencies: [
          ...recipe.repos.map(repoDependency),
          { name: recipe.base.name, uri: isHost(recipe.base.id) ? recipe.base.id : `ami:${recipe.base.id}` },
          ...recipe.runtimes.flatMap(runtimeDependency),
        ],
      },
      runDetails: {
        builder: { id: `https://unibox.dev/builder/${manifest.target}`, version: { unibox: manifest.unibox.version } },
        metadata: { invocationId: buildId, startedOn: args.startedOn, finishedOn: args.finishedOn },
      },
    },
  };
}

/** What verifyStatement found: `expected` is the statement's digest ("" when it has none), `actual` the tree's. */
export interface VerifyResult {
  ok: boolean;
  expected: string;
  actual: string;
  problems: string[];
}

/** Checks a statement's shape (its _type, predicateType, one subject with a sha256 digest) and the tree's digest against it. */
export function verifyStatement(statement: unknown, actualDigest: string): VerifyResult {
  const problems: string[] = [];
  let expected = "";
  if (!isObject(statement)) {
    problems.push(`the statement is not a JSON object (found ${describe(statement)}): expected an in-toto Statement v1`);
    return { ok: false, expected, actual: actualDigest, problems };
  }
  if (statement._type !== STATEMENT_TYPE) problems.push(`_type is ${describe(statement._type)}, expected "${STATEMENT_TYPE}"`);
  if (statement.predicateType !== SLSA_PROVENANCE_V1) {
    problems.push(`predicateType is ${describe(statement.predicateType)}, expected "${SLSA_PROVENANCE_V1}"`);
  }
  const subject = statement.subject;
  if (!Array.isArray(subject)) {
    problems.push(`subject is ${describe(subject)}, expected a list holding the image tree`);
  } else if (subject.length !== 1) {
    problems.push(`subject has ${subject.length} entries, expected exactly one: the image tree`);
  } else {
    const digest = isObject(subject[0]) ? subject[0].digest : undefined;
    const sha256 = isObject(digest) ? digest.sha256 : undefined;
    if (typeof sha256 === "string" && /^[0-9a-f]{64}$/.test(sha256)) expected = `sha256:${sha256}`;
    else problems.push(`subject[0].digest.sha256 is ${describe(sha256)}, expected 64 lowercase hex digits`);
  }
  const predicate = statement.predicate;
  if (!isObject(predicate) || !isObject(predicate.buildDefinition) || !isObject(predicate.runDetails)) {
    problems.push("predicate lacks buildDefinition or runDetails: expected a SLSA Provenance v1 predicate");
  }
  if (expected && expected !== actualDigest) {
    problems.push(
      `the tree's digest is ${actualDigest}, the statement says ${expected}: the tree changed after the image was sealed, or the statement belongs to another image`,
    );
  }
  return { ok: problems.length === 0, expected, actual: actualDigest, problems };
}

function repoDependency(repo: ResolvedRepo): ResourceDescriptor {
  return { name: repo.name, uri: `git+${gitUrl(repo)}@${repo.ref}`, digest: { gitCommit: repo.commit } };
}

// A URI for the repo: scp-like `git@host:org/repo` becomes ssh://, a local path its file:// URL.
function gitUrl(repo: ResolvedRepo): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo.url)) return repo.url;
  const scp = /^([\w.-]+@[\w.-]+):(.*)$/.exec(repo.url);
  if (scp) return `ssh://${scp[1]}/${scp[2].replace(/^\//, "")}`;
  return `file://${repo.localPath ?? repo.url}`;
}

function runtimeDependency(runtime: ResolvedRuntime): ResourceDescriptor[] {
  const name = `${runtime.name}@${runtime.version}`;
  if (runtime.archive) return [{ name, uri: runtime.archive.url, digest: { sha256: runtime.archive.sha256 } }];
  if (runtime.host) return [{ name, uri: `file://${runtime.host.path}`, digest: { sha256: runtime.host.sha256 } }];
  return [];
}

function isHost(baseId: string): boolean {
  return baseId.startsWith("host:");
}

function hexOf(digest: string): string | undefined {
  return /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return JSON.stringify(value);
}
