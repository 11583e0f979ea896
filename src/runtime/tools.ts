// The programs the generated scripts run, by absolute path. runsv runs them as root, and an env layer
// may set PATH: `chpst -e L1 chpst -e L2` would look up the second chpst through L1's PATH, so a
// PATH naming a directory a service user can write would hand that user root. Absolute paths, found
// once at boot in the system's own directories, and only root-owned programs no one else can write.
import { statSync } from "node:fs";
import { RuntimeFailure } from "../errors.js";

export const TOOL_NAMES = ["chpst", "svlogd", "sh", "bash", "timeout", "curl", "date", "sleep", "mv", "rm", "cat", "chown"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
export type Tools = Record<ToolName, string>;

/** Where system programs live; never the invoking user's PATH. */
const SYSTEM_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

const PACKAGE: Partial<Record<ToolName, string>> = { chpst: "runit", svlogd: "runit", curl: "curl", timeout: "coreutils" };

/** What the golden files show: the layout of Debian 12. */
export const DEBIAN_TOOLS: Tools = Object.fromEntries(TOOL_NAMES.map((t) => [t, `/usr/bin/${t}`])) as Tools;

/** Every script needs these; curl (http checks) and bash (tcp checks) only some. */
export const BASE_TOOLS: ToolName[] = ["chpst", "svlogd", "sh", "timeout", "date", "sleep", "mv", "rm", "cat", "chown"];

/**
 * Each tool's absolute path; fails naming what of `needed` is missing or unsafe (writable by others
 * than root). A tool not needed and not found keeps its bare name: no script of this box runs it.
 */
export function findTools(needed: ToolName[] = BASE_TOOLS): Tools {
  const found: Partial<Tools> = {};
  const problems: string[] = [];
  for (const name of TOOL_NAMES) {
    let unsafe: string | undefined;
    for (const dir of SYSTEM_DIRS) {
      const path = `${dir}/${name}`;
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st?.isFile() || (st.mode & 0o111) === 0) continue;
      if (st.uid !== 0 || (st.mode & 0o022) !== 0) {
        unsafe ??= `${path} is owned by uid ${st.uid} with mode ${(st.mode & 0o7777).toString(8)}`;
        continue;
      }
      found[name] = path;
      break;
    }
    if (!found[name] && !needed.includes(name)) found[name] = name;
    else if (!found[name]) {
      problems.push(unsafe ? `${name}: ${unsafe}; root runs it, so it must be root's and writable by root alone` : `${name}: not found in ${SYSTEM_DIRS.join(":")}${PACKAGE[name] ? ` (apt-get install ${PACKAGE[name]})` : ""}`);
    }
  }
  if (problems.length > 0) throw new RuntimeFailure(`cannot boot: ${problems.length === 1 ? "a program" : "programs"} the service scripts run ${problems.length === 1 ? "is" : "are"} missing or unsafe`, { details: problems });
  return found as Tools;
}
