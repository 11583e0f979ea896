// The part of a box handle that planning needs: where state, baked checkouts and runtimes live.
import { existsSync, readdirSync } from "node:fs";
import type { BoxLayout } from "../plan/load-plan.js";
import type { Box } from "../runtime/box.js";

/** `opt`: the image tree the box runs, `<P>/opt/unibox` unless its refs made it another (apply-refs). */
export function boxLayout(box: Box, opt = box.paths.opt): BoxLayout {
  const fromImage = box.fromImage || opt !== box.paths.opt;
  const runtimes = `${opt}/runtimes`;
  const runtimeBins = fromImage && existsSync(runtimes) ? readdirSync(runtimes).sort().map((r) => `${runtimes}/${r}/bin`).filter((d) => existsSync(d)) : [];
  return { stateRoot: box.paths.stateRoot, appsDir: `${opt}/apps`, fromImage, runtimeBins };
}
