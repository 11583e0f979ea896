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
    expect(thrown(() => parseTagsText("unibox:mode=review\njust words\n", "tags")).message).toBe(
      'tags:2:1: expected KEY=VALUE, found "just words"; write one tag per line, such as unibox:mode=review',
    );
  });

  it("quotes at most 80 characters of a 100 KB line without KEY=VALUE, and says how long it is", () => {
    const error = thrown(() => parseTagsText(`unibox:mode=review\n${"x".repeat(100_000)}\n`, "tags"));
    expect(error).toBeInstanceOf(IdentityError);
    expect(error.message).toBe(`tags:2:1: expected KEY=VALUE, found "${"x".repeat(80)}…" (a line of 100000 characters); write one tag per line, such as unibox:mode=review`);
  });

  it("escapes control characters of a line it quotes, so a terminal does not run them", () => {
    expect(thrown(() => parseTagsText("\u001b]0;pwned\u0007\n", "tags")).message).toContain('found "\\u001b]0;pwned\\u0007"');
  });

  it.each([
    { found: "an array", text: '["unibox:mode=review", "unibox:box=b"]\n', at: "tags:1:1" },
    { found: "an array", text: "\n\n  [\n", at: "tags:3:3" },
    { found: 'a string, "unibox:mode=review"', text: '"unibox:mode=review"\n', at: "tags:1:1" },
    { found: "the number 42", text: "42\n", at: "tags:1:1" },
    { found: "true", text: "true", at: "tags:1:1" },
    { found: "null", text: " null\n", at: "tags:1:2" },
  ])("refuses a JSON file that holds $found rather than an object", ({ found, text, at }) => {
    const error = thrown(() => parseTagsText(text, "tags"));
    expect(error).toBeInstanceOf(IdentityError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(
      `${at}: expected a JSON object of tag keys to string values, found ${found}; write {"unibox:mode": "review", "unibox:box": "pr-7"}, or KEY=VALUE lines such as unibox:mode=review`,
    );
  });

  it("quotes at most 80 characters of a huge JSON string or number it refuses", () => {
    expect(thrown(() => parseTagsText(JSON.stringify("s".repeat(100_000)), "tags")).message).toContain(`found a string, "${"s".repeat(80)}…";`);
    expect(thrown(() => parseTagsText(`{"a": ${"9".repeat(100_000)}}`, "tags")).message).toBe(`tags:1:7: invalid tags JSON: tag "a": expected a string value, found ${"9".repeat(80)}…`);
  });

  it("names a key given 100 000 times with different values by its first three values and its last, in linear time", () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `unibox:mode=v${i}\n`).join("");
    const started = performance.now();
    const error = thrown(() => parseTagsText(lines, "tags"));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error.message).toBe(
      'tags:100000:1: tag "unibox:mode" is given 100000 times with different values: "v0" (line 1), "v1" (line 2), "v2" (line 3), 99996 more and "v99999" (line 100000); contradictory tags, starting nothing',
    );
  });

  it("lists ten contradicted keys after the first and counts the rest", () => {
    const text = Array.from({ length: 30 }, (_, i) => `k${i}=a\nk${i}=b\n`).join("");
    const error = thrown(() => parseTagsText(text, "tags"));
    expect(error.message).toMatch(/^tags:2:1: tag "k0" is given twice/);
    expect(error.details).toHaveLength(11);
    expect(error.details.at(-1)).toBe("and 19 more contradicted keys");
  });

  it("reads a JSON file of 100 000 keys, each with its value, its line and its column", () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `tool-${i}.example/key`);
    const text = `{\n${keys.map((k, i) => `  ${JSON.stringify(k)}: "v\\u00e9${i}"`).join(",\n")},\n  "unibox:mode": "review"\n}\n`;
    const tags = parseTagsText(text, "tags.json");
    expect(Object.keys(tags)).toHaveLength(100_001);
    expect(tags["tool-0.example/key"]).toBe("vé0");
    expect(tags["tool-99999.example/key"]).toBe("vé99999");
    expect(tags["unibox:mode"]).toBe("review");
    // Positions are still right at the end of a long file: the same key again with another value names both.
    const contradicted = text.replace(/\n}\n$/, ',\n  "tool-99999.example/key": "other"\n}\n');
    expect(thrown(() => parseTagsText(contradicted, "tags.json")).message).toBe(
      'tags.json:100003:3: tag "tool-99999.example/key" is given twice with different values: "vé99999" (line 100001, column 3) and "other" (line 100003, column 3); contradictory tags, starting nothing',
    );
  });

  it("reads a JSON value of 10 MB without overflowing the stack", () => {
    const tags = parseTagsText(`{"unibox:mode": "review", "note": "${"a".repeat(10_000_000)}", "escaped": "${"\\n".repeat(1_000_000)}"}`, "tags");
    expect(tags.note).toHaveLength(10_000_000);
    expect(tags.escaped).toBe("\n".repeat(1_000_000));
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
    { kind: "a FIFO", path: fifo, message: "is a FIFO (named pipe), not a regular file" },
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
