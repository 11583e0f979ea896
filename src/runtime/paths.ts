// Where everything lives on a box, under --prefix (DESIGN.md §4; templates/SPEC.md).
import { realpathSync } from "node:fs";
import { join, resolve } from "node:path";

function realIfExists(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
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
  const prefix = realIfExists(resolve(prefixArg));
  const p = (...parts: string[]) => join(prefix, ...parts);
  const serviceDir = serviceDirArg ? resolve(serviceDirArg) : p("etc/service");
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
