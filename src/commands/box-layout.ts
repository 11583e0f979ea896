// The part of a box handle that planning needs: where state and baked checkouts live.
import type { BoxLayout } from "../plan/load-plan.js";
import type { Box } from "../runtime/box.js";

export function boxLayout(box: Box): BoxLayout {
  return { stateRoot: box.paths.stateRoot, appsDir: `${box.paths.opt}/apps`, fromImage: box.fromImage };
}
