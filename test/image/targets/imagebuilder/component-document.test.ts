import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { componentDocument, INLINE_COMPONENT_LIMIT } from "../../../../src/image/targets/imagebuilder/component-document.js";
import { buildInput, FINGERPRINT, SCRIPT } from "./fixtures.js";
import { scriptOf } from "./script-of.js";

const NAME = "unibox-ub-20250114-101500-4f2a9c";

// The build phase's command as AWSTOE runs it, with the script told to copy itself out: proves what bash ran.
function runBuildPhase(data: string, dir: string): { copy: Buffer; status: number | null; env: string; stderr: string } {
  const doc = parse(data);
  const command: string = doc.phases[0].steps[0].inputs.commands[0];
  const result = spawnSync("bash", ["-c", command], { env: { ...process.env, UNIBOX_TEST_OUT: dir, UNIBOX_PHASES: "" }, encoding: "utf8" });
  return { copy: readFileSync(join(dir, "copy")), status: result.status, env: readFileSync(join(dir, "env"), "utf8"), stderr: result.stderr };
}

const SELF_COPY = 'cp "$0" "$UNIBOX_TEST_OUT/copy"\nprintf %s "$UNIBOX_PHASES" > "$UNIBOX_TEST_OUT/env"\nexit 7\n';

let dir: string;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("componentDocument", () => {
  it("is an AWSTOE 1.0 document with a build phase that runs the script and a validate phase that checks the image", () => {
    const { data, embedding } = componentDocument(buildInput(), NAME);
    expect(embedding).toBe("heredoc");
    expect(data.length).toBeLessThanOrEqual(INLINE_COMPONENT_LIMIT);
    const doc = parse(data);
    expect(doc).toMatchObject({ name: NAME, schemaVersion: 1 });
    expect(data.split("\n")).toContain("schemaVersion: 1.0");
    expect(doc.phases.map((p: { name: string; steps: { name: string; action: string }[] }) => [p.name, p.steps.map((s) => `${s.name}:${s.action}`)])).toEqual([
      ["build", ["Provision:ExecuteBash"]],
      ["validate", ["CheckManifest:ExecuteBash", "CheckUnibox:ExecuteBash"]],
    ]);
    expect(scriptOf(doc)).toBe(SCRIPT);
    // The script is there verbatim, readable in the console.
    for (const line of SCRIPT.split("\n").filter(Boolean)) expect(data).toContain(line);
    expect(doc.phases[1].steps[1].inputs.commands).toEqual(["/opt/unibox/bin/unibox --version"]);
  });

  it.each([
    { case: "a script ending in a newline", script: `#!/bin/bash\necho ok\n${SELF_COPY}` },
    { case: "a script without a final newline", script: `#!/bin/bash\n${SELF_COPY}# last line` },
    { case: "a script holding the heredoc delimiter as a line", script: `#!/bin/bash\n${SELF_COPY}UNIBOX_PROVISION_SCRIPT\n` },
    { case: "a script with {{ }}, which AWSTOE would substitute", script: `#!/bin/bash\n${SELF_COPY}# {{ ports.api.web }}\n` },
    { case: "a script too big to fit verbatim", script: `#!/bin/bash\n${SELF_COPY}${"echo 'a fairly repetitive provisioning line'\n".repeat(600)}` },
  ])("hands bash $case byte for byte, with UNIBOX_PHASES=all, and exits with its status", ({ script }) => {
    dir = mkdtempSync(join(tmpdir(), "unibox-component-"));
    const { data } = componentDocument(buildInput({ provisionScript: script }), NAME);
    const ran = runBuildPhase(data, dir);
    expect(ran.stderr).toBe("");
    expect(ran.copy.equals(Buffer.from(script, "utf8"))).toBe(true);
    expect(ran.env).toBe("all");
    expect(ran.status).toBe(7);
  });

  it("embeds gzip + base64 when the script holds {{ or does not fit verbatim", () => {
    expect(componentDocument(buildInput({ provisionScript: "#!/bin/bash\necho {{x}}\n" }), NAME).embedding).toBe("gzip-base64");
    const big = `#!/bin/bash\n${"apt-get install -y --no-install-recommends build-essential\n".repeat(400)}`;
    const { data, embedding } = componentDocument(buildInput({ provisionScript: big }), NAME);
    expect(big.length).toBeGreaterThan(INLINE_COMPONENT_LIMIT);
    expect(embedding).toBe("gzip-base64");
    expect(data).not.toContain("{{");
    expect(scriptOf(parse(data))).toBe(big);
  });

  it("refuses a document over the inline limit even when compressed, saying how big it is", () => {
    const incompressible = `#!/bin/bash\n: '${Buffer.from(Array.from({ length: 14000 }, (_, i) => (i * 7919 + ((i * i) % 251)) % 256)).toString("base64")}'\n`;
    expect(() => componentDocument(buildInput({ provisionScript: incompressible }), NAME)).toThrow(/would be \d+ characters even with the script gzipped; CreateComponent takes at most 16000 inline/);
  });

  it.each([
    { manifest: `{\n  "schema": "unibox.manifest/v1",\n  "fingerprint": "${FINGERPRINT}"\n}`, ok: true },
    { manifest: `{"fingerprint":"${FINGERPRINT}"}`, ok: true },
    { manifest: `{\n  "fingerprint": "${FINGERPRINT.replace(/^9/, "8")}"\n}`, ok: false },
    { manifest: `{\n  "base": "${FINGERPRINT}"\n}`, ok: false },
  ])("validates that the manifest holds the build's fingerprint ($manifest)", ({ manifest, ok }) => {
    dir = mkdtempSync(join(tmpdir(), "unibox-validate-"));
    writeFileSync(join(dir, "manifest.json"), manifest);
    const doc = parse(componentDocument(buildInput(), NAME).data);
    const command: string = doc.phases[1].steps[0].inputs.commands[0];
    const run = spawnSync("bash", ["-c", command.replaceAll("/opt/unibox/manifest.json", join(dir, "manifest.json"))], { encoding: "utf8" });
    expect(run.status === 0).toBe(ok);
    if (!ok) expect(run.stderr).toContain("does not hold the fingerprint this build baked");
  });

  it("renders the same document for the same build", () => {
    const a = componentDocument(buildInput(), NAME).data;
    expect(componentDocument(buildInput(), NAME).data).toBe(a);
    expect(execFileSync("bash", ["-n"], { input: parse(a).phases[0].steps[0].inputs.commands[0] }).toString()).toBe("");
  });
});
