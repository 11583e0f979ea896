import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { IdentityError, UsageError } from "../../src/errors.js";
import { parseTagsText, readTagsFile, tagsFromFlags } from "../../src/identity/tags-file.js";

const dir = mkdtempSync(join(tmpdir(), "unibox-tags-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A named pipe with no writer: reading it would wait forever. */
function fifo(): string {
  const path = join(dir, "fifo");
  execFileSync("mkfifo", [path]);
  return path;
}

function thrown(f: () => unknown): IdentityError | UsageError {
  try {
    f();
  } catch (error) {
    return error as IdentityError | UsageError;
  }
  throw new Error("expected a throw");
}

describe("parseTagsText", () => {
  it.each([
    {
      format: "JSON",
      text: '{\n  "unibox:mode": "review",\n  "unibox:box": "b",\n  "unibox:mode": "production"\n}\n',
      message: 'tags.json:4:3: tag "unibox:mode" is given twice with different values: "review" (line 2, column 3) and "production" (line 4, column 3)',
    },
    {
      format: "JSON, the second key spelled with an escape",
      text: '{"unibox:mode": "review", "unibox\\u003amode": "production"}',
      message: 'tags.json:1:27: tag "unibox:mode" is given twice with different values: "review" (line 1, column 2) and "production" (line 1, column 27)',
    },
    {
      format: "KEY=VALUE",
      text: "unibox:mode=review\n# the box\nunibox:box=b\nunibox:mode = production\n",
      message: 'tags.json:4:1: tag "unibox:mode" is given twice with different values: "review" (line 1) and "production" (line 4)',
    },
    {
      format: "KEY=VALUE, three times",
      text: "unibox:mode=review\nunibox:mode=review\nunibox:mode=staging\n",
      message: 'tags.json:3:1: tag "unibox:mode" is given 3 times with different values: "review" (line 1), "review" (line 2) and "staging" (line 3)',
    },
  ])("refuses a key given twice with different values ($format), exit 3", ({ text, message }) => {
    const error = thrown(() => parseTagsText(text, "tags.json"));
    expect(error).toBeInstanceOf(IdentityError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(`${message}; contradictory tags, starting nothing`);
  });

  it("reports every contradicted key at once", () => {
    const error = thrown(() => parseTagsText("a=1\nb=1\na=2\nb=2\n", "tags"));
    expect(error.message).toMatch(/^tags:3:1: tag "a" is given twice/);
    expect(error.details).toEqual(['tags:4:1: tag "b" is given twice with different values: "1" (line 2) and "2" (line 4)']);
  });

  it.each([
    { format: "JSON", text: '{"unibox:mode": "review", "unibox:box": "b", "unibox:mode": "review"}' },
    { format: "KEY=VALUE", text: "unibox:mode=review\nunibox:box=b\nunibox:mode=review\n" },
  ])("accepts a key given twice with the same value ($format)", ({ text }) => {
    expect(parseTagsText(text, "tags")).toEqual({ "unibox:mode": "review", "unibox:box": "b" });
  });

  it("decodes JSON escapes in keys and values, and keeps __proto__ and constructor as keys", () => {
    const tags = parseTagsText('\uFEFF{"Name": "a \\"quoted\\" \\\\ caf\\u00e9\\n", "__proto__": "p", "constructor": "c"}', "tags");
    expect(Object.getPrototypeOf(tags)).toBeNull();
    expect(Object.entries(tags)).toEqual([
      ["Name", 'a "quoted" \\ café\n'],
      ["__proto__", "p"],
      ["constructor", "c"],
    ]);
    expect(parseTagsText("{}", "tags")).toEqual({});
  });

  it.each([
    { problem: "an object value", text: '{\n  "unibox:mode": {"a": "b"}\n}', message: 'tags:2:18: invalid tags JSON: tag "unibox:mode": expected a string value, found an object' },
    { problem: "an array value", text: '{"a": ["b"]}', message: 'tags:1:7: invalid tags JSON: tag "a": expected a string value, found an array' },
    { problem: "a number value", text: '{"a": 12}', message: 'tags:1:7: invalid tags JSON: tag "a": expected a string value, found 12' },
    { problem: "a null value", text: '{"a": null}', message: 'tags:1:7: invalid tags JSON: tag "a": expected a string value, found null' },
    { problem: "a trailing comma", text: '{"a": "b",}', message: 'tags:1:11: invalid tags JSON: expected a string key, found "}"' },
    { problem: "a key without quotes", text: "{a: 1}", message: 'tags:1:2: invalid tags JSON: expected a string key, found "a"' },
    { problem: "a missing colon", text: '{"a" "b"}', message: 'tags:1:6: invalid tags JSON: expected ":", found a string' },
    { problem: "an unterminated string", text: '{"a": "b}', message: "tags:1:7: invalid tags JSON: expected a string value, found a string with a bad escape, a raw control character or no closing quote" },
    { problem: "a bad escape", text: '{"a": "\\x"}', message: "tags:1:7: invalid tags JSON: expected a string value, found a string with a bad escape" },
    { problem: "a raw newline in a string", text: '{"a": "b\nc"}', message: "tags:1:7: invalid tags JSON: expected a string value, found a string with a bad escape, a raw control character" },
    { problem: "no closing brace", text: '{"a": "b"', message: 'tags:1:10: invalid tags JSON: expected "," or "}", found the end of the file' },
    { problem: "text after the object", text: '{"a": "b"}\n{"c": "d"}', message: 'tags:2:1: invalid tags JSON: expected nothing after the object, found an object' },
  ])("refuses JSON with $problem, with its position", ({ text, message }) => {
    const error = thrown(() => parseTagsText(text, "tags"));
    expect(error).toBeInstanceOf(IdentityError);
    expect(error.message.slice(0, message.length)).toBe(message);
  });

  it("refuses a line without KEY=VALUE", () => {
    expect(thrown(() => parseTagsText("unibox:mode=review\njust words\n", "tags")).message).toBe('tags:2:1: expected KEY=VALUE, found "just words"');
  });
});

describe("tagsFromFlags", () => {
  it("refuses a key given twice with different values, and accepts one given twice alike", () => {
    expect(
      tagsFromFlags([
        ["a", "1"],
        ["a", "1"],
      ]),
    ).toEqual({ a: "1" });
    const error = thrown(() =>
      tagsFromFlags([
        ["unibox:mode", "review"],
        ["unibox:mode", "production"],
      ]),
    );
    expect(error).toBeInstanceOf(IdentityError);
    expect(error.message).toBe('--tag: tag "unibox:mode" is given twice with different values: "review" and "production"; contradictory tags, starting nothing');
  });
});

describe("readTagsFile", () => {
  it.each([
    { kind: "a FIFO", path: fifo, message: "is a FIFO (a named pipe), not a regular file" },
    { kind: "/dev/zero", path: () => "/dev/zero", message: "--tags-file /dev/zero is a character device, not a regular file" },
    { kind: "a directory", path: () => dir, message: "is a directory, not a regular file" },
  ])("refuses $kind at once with a usage error (exit 2)", ({ path, message }) => {
    const file = path();
    const started = performance.now();
    const error = thrown(() => readTagsFile(file));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(message);
    expect(error.message).toContain("give a file holding a JSON object or KEY=VALUE lines");
  });

  it("refuses a missing file with a usage error naming the errno", () => {
    const error = thrown(() => readTagsFile(join(dir, "absent.json")));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(`cannot read --tags-file ${join(dir, "absent.json")}: ENOENT`);
  });

  it("reads a regular file", () => {
    const file = join(dir, "review.tags");
    writeFileSync(file, "unibox:mode=review\nunibox:box=b\n");
    expect(readTagsFile(file)).toEqual({ "unibox:mode": "review", "unibox:box": "b" });
  });
});
