// `boot --image`: the box's /opt/unibox becomes a link to a sealed image's tree, so the box runs the baked
// checkouts, runtimes and stack, not a working tree. Repointed atomically: running instances keep the tree
// they started in until restarted.
import { lstatSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure } from "../errors.js";

/** Points `<prefix>/opt/unibox` at `imageOpt` (an image's `tree/opt/unibox`); returns whether it changed. */
export function linkImage(prefix: string, imageOpt: string): boolean {
  const opt = join(prefix, "opt");
  mkdirSync(opt, { recursive: true, mode: 0o755 });
  const link = join(opt, "unibox");
  const st = lstatSync(link, { throwIfNoEntry: false });
  if (st && !st.isSymbolicLink()) {
    throw new RuntimeFailure(`${link} exists and is not a link to an image`, {
      details: ["boot --image points it at the image's baked tree; remove or rename it (it is not unibox's) and boot again."],
    });
  }
  if (st && readlinkSync(link) === imageOpt) return false;
  const tmp = `${link}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(imageOpt, tmp);
  renameSync(tmp, link);
  return true;
}
