// A box's last activity: when its entry (its one URL, e.g. a review box's router) last logged a request.
// The entry logs every request but health checks (sent as `unibox-health`), so its svlogd log's mtime is the
// last time someone used the box: what expires an idle review box.
import { statSync } from "node:fs";
import { openBox } from "./box.js";

/** The mtime of the entry instance's log (`<P>/var/log/unibox/<entry>/current`); undefined without an entry or a log. */
export function entryLastActivity(prefix: string): Date | undefined {
  const box = openBox(prefix);
  // Without an entry the box's URL is its first instance with a port (review up says so): its log, then.
  const instances = box.saved?.plan.instances ?? [];
  const entry = instances.find((i) => i.entry) ?? instances.find((i) => i.port !== undefined);
  if (!entry) return undefined;
  const st = statSync(`${box.paths.log(entry.name)}/current`, { throwIfNoEntry: false });
  return st?.isFile() ? st.mtime : undefined;
}
