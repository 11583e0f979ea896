// Where everything lives on a box, under --prefix (DESIGN.md §4; templates/SPEC.md).
import { realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/**
 * The path with every symlink resolved, also when its last parts do not exist yet: the deepest existing
 * ancestor is resolved and the rest appended. A first boot (prefix not yet made) and the second then
 * agree on every path, and runsv reports its working directory without symlinks.
 */
export function realPath(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realPath(parent), basename(abs));
  }
}

export interface BoxPaths {
  prefix: string;
  /** `<P>/etc/unibox`: everything boot generates. */
  etc: string;
  planFile: string;
  svRoot: string;
  envRoot: string;
  /** The directory runsvdir scans (the links go here). */
  serviceDir: string;
  logRoot: string;
  stateRoot: string;
  runDir: string;
  runsvdirPidFile: string;
  runsvdirLog: string;
  /** `<P>/opt/unibox`: the image's runtime, stack and apps. */
  opt: string;
  sv(instance: string): string;
  env(instance: string): string;
  log(instance: string): string;
  state(service: string): string;
  link(instance: string): string;
}

/** The layout under `prefix`; `serviceDir` overrides where the links go. */
export function boxPaths(prefixArg: string, serviceDirArg?: string): BoxPaths {
  // Real paths where they exist: /proc reports runsv's working directory without symlinks.
  const prefix = realPath(prefixArg);
  const p = (...parts: string[]) => join(prefix, ...parts);
  const serviceDir = serviceDirArg ? realPath(serviceDirArg) : realPath(p("etc/service"));
  return {
    prefix,
    etc: p("etc/unibox"),
    planFile: p("etc/unibox/plan.json"),
    svRoot: p("etc/unibox/sv"),
    envRoot: p("etc/unibox/env"),
    serviceDir,
    logRoot: p("var/log/unibox"),
    stateRoot: p("var/lib/unibox"),
    runDir: p("run/unibox"),
    runsvdirPidFile: p("run/unibox/runsvdir.pid"),
    runsvdirLog: p("var/log/unibox/runsvdir.log"),
    opt: p("opt/unibox"),
    sv: (i) => p("etc/unibox/sv", i),
    env: (i) => p("etc/unibox/env", i),
    log: (i) => p("var/log/unibox", i),
    state: (s) => p("var/lib/unibox", s),
    link: (i) => join(serviceDir, i),
  };
}
