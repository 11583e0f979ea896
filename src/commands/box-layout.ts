// The part of a box handle that planning needs: where state, baked checkouts and runtimes live.
import { existsSync, readdirSync } from "node:fs";
import type { BoxLayout } from "../plan/load-plan.js";
import type { Box } from "../runtime/box.js";

export function boxLayout(box: Box): BoxLayout {
  const runtimes = `${box.paths.opt}/runtimes`;
  const runtimeBins = box.fromImage && existsSync(runtimes) ? readdirSync(runtimes).sort().map((r) => `${runtimes}/${r}/bin`).filter((d) => existsSync(d)) : [];
  return { stateRoot: box.paths.stateRoot, appsDir: `${box.paths.opt}/apps`, fromImage: box.fromImage, runtimeBins };
}
