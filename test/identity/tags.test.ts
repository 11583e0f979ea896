import { describe, expect, it } from "vitest";
import { IdentityError } from "../../src/errors.js";
import { identityFromTags, missingRequiredTags, type Tags } from "../../src/identity/tags.js";
import { loadStack } from "../../src/stack/load.js";
import type { Stack } from "../../src/stack/types.js";
import { removeStack, writeStack } from "../helpers/stack-dir.js";

/** Tags as a null-prototype map, so a `__proto__` key is a key and not the object's prototype. */
function tags(entries: Record<string, string> | [string, string][]): Tags {
  return Object.assign(Object.create(null) as Tags, Array.isArray(entries) ? Object.fromEntries(entries) : entries);
}

/** Repos api and web; api has components web and worker; postgres runs on review boxes only. */
function stack(): Stack {
  const root = writeStack({
    "image/image.yaml": "base: host\nrepos:\n  - name: api\n    url: ./apps/api\n  - name: web\n    url: ./apps/web\n",
    "apps/web/README": "the web repo\n",
    "roles/api.yaml": "repo: api\ncomponents:\n  web:\n    command: node web.js\n    port: 3000\n  worker:\n    command: node worker.js\n",
    "roles/postgres.yaml": "modes: [review]\ncommand: postgres\nport: 5432\n",
  });
  try {
    return loadStack(root);
  } finally {
    removeStack(root);
  }
}

const REVIEW = { "unibox:mode": "review", "unibox:box": "pr-7" };
const PRODUCTION = { "unibox:mode": "production", "unibox:service": "api" };

describe("identityFromTags", () => {
  it("gives a production box its service and component, and a review box its name and refs", () => {
    const s = stack();
    expect(identityFromTags(tags({ ...PRODUCTION, "unibox:component": "worker", Name: "api-1" }), s)).toEqual({
      mode: "production",
      service: "api",
      component: "worker",
      refs: {},
    });
    const review = identityFromTags(tags({ ...REVIEW, "unibox:ref.web": "feature/x", "unibox:expires-at": "2030-01-02T03:04:05Z" }), s);
    expect(review).toEqual({ mode: "review", box: "pr-7", refs: { web: "feature/x" }, expiresAt: "2030-01-02T03:04:05Z" });
  });

  it("treats tag keys named __proto__ and constructor as keys like any other", () => {
    const identity = identityFromTags(tags([...Object.entries(PRODUCTION), ["__proto__", "p"], ["constructor", "c"], ["toString", "t"]]), stack());
    expect(identity).toEqual({ mode: "production", service: "api", refs: {} });
    expect(Object.getPrototypeOf(identity.refs)).toBeNull();
    expect(identity.refs.constructor).toBeUndefined();
  });

  it.each<{ refusal: string; tags: [string, string][]; message: string }>([
    { refusal: "no mode", tags: [["unibox:service", "api"]], message: "missing tag unibox:mode: this box does not know whether it is review, staging or production" },
    { refusal: "no service on a production box", tags: [["unibox:mode", "production"]], message: "missing tag unibox:service: a production box runs one service; tag it with one of: api" },
    { refusal: "no service on a staging box", tags: [["unibox:mode", "staging"]], message: "missing tag unibox:service: a staging box" },
    { refusal: "no name on a review box", tags: [["unibox:mode", "review"]], message: "missing tag unibox:box: a review box needs a name" },
    { refusal: "an unknown mode", tags: [["unibox:mode", "prod"], ["unibox:service", "api"]], message: 'invalid tag unibox:mode="prod": expected one of review, staging, production (did you mean "production"?)' },
    { refusal: "a service on a review box", tags: [...Object.entries(REVIEW), ["unibox:service", "api"]], message: 'unibox:service="api" contradicts unibox:mode=review: a review box runs every service' },
    { refusal: "a component on a review box", tags: [...Object.entries(REVIEW), ["unibox:component", "web"]], message: 'unibox:component="web" contradicts unibox:mode=review' },
    { refusal: "an unknown unibox:* key", tags: [...Object.entries(PRODUCTION), ["unibox:servce", "api"]], message: 'unknown tag "unibox:servce" (did you mean "unibox:service"?); unibox reads unibox:mode, unibox:service' },
    { refusal: "an unknown unibox:* key, listing the known ones", tags: [...Object.entries(PRODUCTION), ["unibox:owner", "me"]], message: "unibox reads unibox:mode, unibox:service, unibox:component, unibox:box, unibox:expires-at, unibox:max-age-at, unibox:managed-by, unibox:image, unibox:stack-ref, unibox:ref.<repo>" },
    { refusal: "a space in a unibox: key", tags: [...Object.entries(REVIEW), ["unibox:ref.my repo", "main"]], message: 'tag key "unibox:ref.my repo" has characters instance-metadata tags do not allow (letters, digits, + - = . , _ : @); rename it' },
    { refusal: "a slash in a unibox: key", tags: [...Object.entries(REVIEW), ["unibox:ref.team/web", "main"]], message: 'tag key "unibox:ref.team/web" has characters instance-metadata tags do not allow' },
    { refusal: "a unibox: key that is only the prefix", tags: [...Object.entries(PRODUCTION), ["unibox:", "x"]], message: 'unknown tag "unibox:"' },
    { refusal: "a control character in a value, escaped", tags: [["unibox:mode", "review\u001b[2J"], ["unibox:box", "b"]], message: 'invalid tag unibox:mode="review\\u001b[2J"' },
    { refusal: "a box name with capitals", tags: [["unibox:mode", "review"], ["unibox:box", "PR-7"]], message: 'invalid unibox:box="PR-7": expected lowercase letters, digits and dashes' },
    { refusal: "a box name starting with a dash", tags: [["unibox:mode", "review"], ["unibox:box", "-pr"]], message: 'invalid unibox:box="-pr"' },
    { refusal: "a ref naming no repo", tags: [...Object.entries(REVIEW), ["unibox:ref.wbe", "main"]], message: 'tag unibox:ref.wbe names no repo of image/image.yaml (did you mean "web"?)' },
    { refusal: "a ref naming an empty repo", tags: [...Object.entries(REVIEW), ["unibox:ref.", "main"]], message: "tag unibox:ref. names no repo of image/image.yaml" },
    { refusal: "refs on a production box", tags: [...Object.entries(PRODUCTION), ["unibox:ref.api", "main"]], message: "unibox:ref.* tags are for review boxes; a production box runs the image's baked code" },
    { refusal: "a service the stack lacks", tags: [["unibox:mode", "production"], ["unibox:service", "apii"]], message: 'unibox:service="apii" names no service of the stack (did you mean "api"?)' },
    { refusal: "a service that does not run in the mode", tags: [["unibox:mode", "production"], ["unibox:service", "postgres"]], message: 'unibox:service="postgres" does not run in production mode (its modes: review)' },
    { refusal: "an unknown component", tags: [...Object.entries(PRODUCTION), ["unibox:component", "wrker"]], message: 'unibox:component="wrker" is not a component of api (did you mean "worker"?); it has: web, worker' },
    { refusal: "an expires-at that is no time", tags: [...Object.entries(REVIEW), ["unibox:expires-at", "tomorrow"]], message: 'unibox:expires-at="tomorrow" is not an ISO-8601 time' },
    { refusal: "an expires-at Date.parse takes but ISO-8601 does not", tags: [...Object.entries(REVIEW), ["unibox:expires-at", "1"]], message: 'unibox:expires-at="1" is not an ISO-8601 time' },
    { refusal: "an expires-at with no such month", tags: [...Object.entries(REVIEW), ["unibox:expires-at", "2030-13-01"]], message: 'unibox:expires-at="2030-13-01" is not an ISO-8601 time' },
    { refusal: "only a __proto__ key", tags: [["__proto__", "production"]], message: "missing tag unibox:mode" },
    { refusal: "only a constructor key", tags: [["constructor", "production"]], message: "missing tag unibox:mode" },
    { refusal: "mode __proto__", tags: [["unibox:mode", "__proto__"]], message: 'invalid tag unibox:mode="__proto__": expected one of review, staging, production' },
    { refusal: "mode constructor", tags: [["unibox:mode", "constructor"]], message: 'invalid tag unibox:mode="constructor"' },
    { refusal: "service __proto__", tags: [["unibox:mode", "production"], ["unibox:service", "__proto__"]], message: 'unibox:service="__proto__" names no service of the stack' },
    { refusal: "service constructor", tags: [["unibox:mode", "production"], ["unibox:service", "constructor"]], message: 'unibox:service="constructor" names no service of the stack' },
    { refusal: "component constructor", tags: [...Object.entries(PRODUCTION), ["unibox:component", "constructor"]], message: 'unibox:component="constructor" is not a component of api' },
    { refusal: "a ref to repo __proto__", tags: [...Object.entries(REVIEW), ["unibox:ref.__proto__", "main"]], message: "tag unibox:ref.__proto__ names no repo of image/image.yaml" },
    { refusal: "a ref to repo constructor", tags: [...Object.entries(REVIEW), ["unibox:ref.constructor", "main"]], message: "tag unibox:ref.constructor names no repo of image/image.yaml" },
    { refusal: "an unknown unibox:__proto__ key", tags: [...Object.entries(PRODUCTION), ["unibox:__proto__", "x"]], message: 'unknown tag "unibox:__proto__"' },
  ])("refuses $refusal with exit 3", ({ tags: given, message }) => {
    let error: unknown;
    try {
      identityFromTags(tags(given), stack());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IdentityError);
    expect((error as IdentityError).exitCode).toBe(3);
    expect((error as IdentityError).message).toContain(message);
    expect((error as IdentityError).message).toMatch(/; starting nothing$/);
  });

  it("reports every problem at once: the first in the message, the rest in the details, with the hint when a tag is missing", () => {
    const error = (() => {
      try {
        identityFromTags(tags({ "unibox:mode": "review", "unibox:service": "api", "unibox:ref.nope": "main" }), stack());
      } catch (e) {
        return e as IdentityError;
      }
      throw new Error("expected a refusal");
    })();
    expect(error.message).toMatch(/^unibox:service="api" contradicts/);
    expect(error.details.slice(0, 2)).toEqual(["missing tag unibox:box: a review box needs a name", "tag unibox:ref.nope names no repo of image/image.yaml"]);
    expect(error.details.join("\n")).toMatch(/InstanceMetadataTags/);
  });
});

describe("identityFromTags, on other tools' keys and huge values", () => {
  it.each([
    { key: "Cost Center", why: "a space" },
    { key: "kubernetes.io/cluster/x", why: "slashes" },
    { key: "", why: "nothing" },
    { key: "aws:autoscaling:groupName", why: "another tool's prefix" },
    { key: "Unibox:mode", why: "another case of the prefix" },
  ])("ignores a key of another tool made of $why ($key)", ({ key }) => {
    expect(identityFromTags(tags({ ...REVIEW, [key]: "42" }), stack())).toEqual({ mode: "review", box: "pr-7", refs: {} });
  });

  it.each<{ what: string; tags: [string, string][]; start: string }>([
    { what: "a mode", tags: [["unibox:mode", "x".repeat(100_000)]], start: `invalid tag unibox:mode="${"x".repeat(80)}…": expected one of` },
    { what: "a service", tags: [["unibox:mode", "production"], ["unibox:service", "s".repeat(100_000)]], start: `unibox:service="${"s".repeat(80)}…" names no service` },
    { what: "a box name", tags: [["unibox:mode", "review"], ["unibox:box", "B".repeat(100_000)]], start: `invalid unibox:box="${"B".repeat(80)}…"` },
    { what: "a key", tags: [...Object.entries(PRODUCTION), [`unibox:${"k".repeat(100_000)}`, "x"]], start: `unknown tag "unibox:${"k".repeat(73)}…"` },
    { what: "a ref key", tags: [...Object.entries(REVIEW), [`unibox:ref.${"r".repeat(100_000)}`, "main"]], start: `tag unibox:ref.${"r".repeat(69)}… names no repo` },
  ])("quotes at most 80 characters of $what of 100 000", ({ tags: given, start }) => {
    const started = performance.now();
    let error: IdentityError | undefined;
    try {
      identityFromTags(tags(given), stack());
    } catch (e) {
      error = e as IdentityError;
    }
    expect(error).toBeInstanceOf(IdentityError);
    expect(error!.message.startsWith(start), error!.message.slice(0, 300)).toBe(true);
    expect(error!.message.length).toBeLessThan(400);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("lists ten problems and counts the rest", () => {
    const unknown = Array.from({ length: 25 }, (_, i): [string, string] => [`unibox:x${i}`, "1"]);
    let error: IdentityError | undefined;
    try {
      identityFromTags(tags([...Object.entries(PRODUCTION), ...unknown]), stack());
    } catch (e) {
      error = e as IdentityError;
    }
    expect(error!.message).toMatch(/^unknown tag "unibox:x0"/);
    expect(error!.details).toHaveLength(11);
    expect(error!.details.at(-1)).toBe("and 14 more problems with the tags");
  });

  it("puts a missing tag before problems with keys, so it is never among those only counted", () => {
    const unknown = Array.from({ length: 100_000 }, (_, i): [string, string] => [`unibox:x${i}`, "1"]);
    let error: IdentityError | undefined;
    try {
      identityFromTags(tags([["unibox:mode", "review"], ...unknown]), stack());
    } catch (e) {
      error = e as IdentityError;
    }
    expect(error!.message).toBe("missing tag unibox:box: a review box needs a name; starting nothing");
    expect(error!.details.slice(0, 11)).toEqual([...unknown.slice(0, 10).map(([k]) => expect.stringContaining(`unknown tag "${k}"`)), "and 99990 more problems with the tags"]);
    expect(error!.details.join("\n")).toMatch(/InstanceMetadataTags/);
  });
});

describe("missingRequiredTags", () => {
  it.each<{ tags: Record<string, string>; missing: string[] }>([
    { tags: {}, missing: ["unibox:mode"] },
    { tags: { "unibox:mode": "review" }, missing: ["unibox:box"] },
    { tags: { "unibox:mode": "staging" }, missing: ["unibox:service"] },
    { tags: { "unibox:mode": "production", "unibox:service": "api" }, missing: [] },
    // An invalid mode is not waited for: identityFromTags refuses it at once.
    { tags: { "unibox:mode": "prod" }, missing: [] },
    { tags: { constructor: "x" }, missing: ["unibox:mode"] },
  ])("finds $missing missing in $tags", ({ tags: given, missing }) => {
    expect(missingRequiredTags(tags(given))).toEqual(missing);
  });
});
