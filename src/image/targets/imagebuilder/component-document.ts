// The Image Builder component: an AWSTOE document (schemaVersion 1.0) whose build phase runs the provisioning
// script, byte for byte what the target was given, and whose validate phase checks the image it made.
import { Document, parse, type Scalar } from "yaml";
import { gzipSync } from "node:zlib";
import { isDeepStrictEqual } from "node:util";
import { RuntimeFailure } from "../../../errors.js";
import type { BuildInput } from "../../types.js";

/** Image Builder's limit on a component's inline `data` (CreateComponent), in characters. */
export const INLINE_COMPONENT_LIMIT = 16000;

/** Where the manifest and the CLI sit in every image (DESIGN.md §4). */
const MANIFEST = "/opt/unibox/manifest.json";
const UNIBOX_BIN = "/opt/unibox/bin/unibox";

/**
 * How the script rides in the document: verbatim in a quoted heredoc when that fits, else gzip + base64 (a
 * shell script shrinks to about a third). Also compressed when it holds `{{`, which AWSTOE would substitute.
 */
export type Embedding = "heredoc" | "gzip-base64";

/** The component as the YAML text sent to CreateComponent. */
export interface ComponentDocument {
  data: string;
  embedding: Embedding;
}

/**
 * Renders the component for `input` under `name`. Refuses (RuntimeFailure, before anything is created) a
 * document over Image Builder's inline limit, and checks that the YAML parses back to exactly what was meant.
 */
export function componentDocument(input: BuildInput, name: string): ComponentDocument {
  const script = input.provisionScript;
  const verbatim = script.includes("{{") ? undefined : render(input, name, "heredoc");
  if (verbatim && verbatim.length <= INLINE_COMPONENT_LIMIT) return { data: verbatim, embedding: "heredoc" };
  const compressed = render(input, name, "gzip-base64");
  if (compressed.length <= INLINE_COMPONENT_LIMIT) return { data: compressed, embedding: "gzip-base64" };
  throw new RuntimeFailure(
    `the Image Builder component would be ${compressed.length} characters even with the script gzipped; CreateComponent takes at most ` +
      `${INLINE_COMPONENT_LIMIT} inline (the provisioning script is ${script.length} characters); nothing was created`,
    { details: ["the script embeds what it cannot fetch: fetch large files (archives, local repos) from a URL instead, or bake fewer repos into one image"] },
  );
}

function render(input: BuildInput, name: string, embedding: Embedding): string {
  const value = {
    name,
    description: `unibox image ${input.fingerprint} (build ${input.buildId})`,
    schemaVersion: 1.0,
    phases: [
      { name: "build", steps: [{ name: "Provision", action: "ExecuteBash", inputs: { commands: [provisionCommands(input.provisionScript, embedding)] } }] },
      {
        name: "validate",
        steps: [
          { name: "CheckManifest", action: "ExecuteBash", inputs: { commands: [manifestCheck(input.fingerprint)] } },
          { name: "CheckUnibox", action: "ExecuteBash", inputs: { commands: [`${UNIBOX_BIN} --version`] } },
        ],
      },
    ],
  };
  const doc = new Document(value);
  // `schemaVersion: 1.0` as AWSTOE's documents write it (a plain number would print as `1`).
  (doc.get("schemaVersion", true) as Scalar).minFractionDigits = 1;
  const data = doc.toString({ lineWidth: 0, blockQuote: "literal" });
  if (!isDeepStrictEqual(parse(data), value)) {
    throw new RuntimeFailure(`the Image Builder component for build ${input.buildId} does not parse back to what was rendered: this is a bug in unibox, please report it`);
  }
  return data;
}

/**
 * Writes the script to a private temporary file, runs it with bash (every phase; the script was rendered
 * without poweroff: Image Builder snapshots the instance itself), removes it, and exits with its status.
 */
function provisionCommands(script: string, embedding: Embedding): string {
  const body = embedding === "heredoc" ? script : base64Lines(gzipSync(Buffer.from(script, "utf8"), { level: 9 }));
  const end = terminator(body);
  const writer = embedding === "heredoc" ? `cat > "$dir/provision.sh"` : `base64 -d <<'${end}' | gzip -dc > "$dir/provision.sh"`;
  const lines = [
    "set -u -o pipefail",
    `dir="$(mktemp -d /tmp/unibox-component.XXXXXX)" || exit 1`,
    embedding === "heredoc" ? `${writer} <<'${end}' || exit 1` : `${writer} || exit 1`,
    // A heredoc's body ends with a newline: a script without a last one gets it taken off again by truncate.
    `${body}${body.endsWith("\n") ? "" : "\n"}${end}`,
  ];
  if (embedding === "heredoc" && !script.endsWith("\n")) lines.push(`truncate -s -1 "$dir/provision.sh" || exit 1`);
  lines.push(`UNIBOX_PHASES=all bash "$dir/provision.sh"`, "status=$?", `rm -rf "$dir"`, `exit "$status"`);
  return lines.join("\n");
}

function base64Lines(bytes: Buffer): string {
  return (bytes.toString("base64").match(/.{1,76}/g) ?? []).join("\n") + "\n";
}

// A heredoc delimiter that no line of the body equals.
function terminator(body: string): string {
  const lines = new Set(body.split("\n"));
  let end = "UNIBOX_PROVISION_SCRIPT";
  for (let n = 1; lines.has(end); n++) end = `UNIBOX_PROVISION_SCRIPT_${n}`;
  return end;
}

// The manifest is JSON.stringify(manifest, null, 2); any spacing around the colon is accepted all the same.
function manifestCheck(fingerprint: string): string {
  const pattern = fingerprint.replace(/[.[\]()*+?{}|^$\\]/g, "\\$&").replace(/'/g, "'\\''");
  return [
    `if ! grep -Eq '"fingerprint"[[:space:]]*:[[:space:]]*"${pattern}"' ${MANIFEST}; then`,
    `  echo "${MANIFEST} does not hold the fingerprint this build baked: the provisioning script did not finish" >&2`,
    "  exit 1",
    "fi",
  ].join("\n");
}
