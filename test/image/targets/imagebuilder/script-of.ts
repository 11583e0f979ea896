// Reads the provisioning script back out of a parsed component document, however it was embedded.
import { gunzipSync } from "node:zlib";

/** The script the component's build phase writes to provision.sh, byte for byte. */
export function scriptOf(doc: { phases: { name: string; steps: { inputs: { commands: string[] } }[] }[] }): string {
  const build = doc.phases.find((p) => p.name === "build")!;
  const commands = build.steps[0].inputs.commands[0];
  const lines = commands.split("\n");
  const start = lines.findIndex((l) => /<<'([A-Z_0-9]+)'/.test(l));
  const end = /<<'([A-Z_0-9]+)'/.exec(lines[start])![1];
  const stop = lines.indexOf(end, start + 1);
  const body = lines.slice(start + 1, stop).join("\n") + "\n";
  if (lines[start].startsWith("base64 -d")) return gunzipSync(Buffer.from(body, "base64")).toString("utf8");
  // A script without a final newline is written with one, then truncated.
  return lines.slice(stop + 1).some((l) => l.startsWith("truncate -s -1")) ? body.slice(0, -1) : body;
}
