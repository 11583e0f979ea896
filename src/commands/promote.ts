// `unibox promote BOX`: a healthy review box becomes the production image, with provenance.
import type { ReviewTarget } from "../review/types.js";
import type { CommandResult } from "./result.js";

const progress = (line: string) => process.stderr.write(`${line}\n`);

export async function promoteCommand(options: { root: string; store?: string; target: ReviewTarget; box: string; launchTemplate?: string }): Promise<CommandResult> {
  if (options.target === "ec2") return (await import("./promote-ec2.js")).ec2PromoteCommand(options);
  const { localStore } = await import("../review/local/manage.js");
  const { localPromote } = await import("../promote/local.js");
  if (options.launchTemplate) progress("note: --launch-template is for --target ec2; the local image is in the store");
  const result = await localPromote(localStore(options.root, options.store), options.box, { progress });
  return {
    json: result,
    text: [
      `promoted review box ${result.promotedFrom} to ${result.id} (from ${result.parentImage}; health verified ${result.healthVerifiedAt})`,
      `repos: ${Object.entries(result.repos).map(([n, c]) => `${n}@${c.slice(0, 12)}`).join(" ")}`,
      `the box is stopped and reset; check the image: unibox image verify ${result.id}`,
      `boot a production box from it: unibox boot --image ${result.id} --tag unibox:mode=production --tag unibox:service=SERVICE --prefix P`,
    ].join("\n"),
  };
}
