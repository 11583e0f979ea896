import { describe, expect, it } from "vitest";
import { parseConsole } from "../../../../src/image/targets/ec2/console-markers.js";
import { CONSOLE_FAILED, CONSOLE_OK, CONSOLE_RUNNING, FINGERPRINT, TREE } from "./build-input.js";

describe("parseConsole", () => {
  it("finds the phases behind kernel timestamps and cloud-init prefixes, in order", () => {
    const report = parseConsole(CONSOLE_RUNNING);
    expect(report.phases).toEqual(["packages", "runtimes"]);
    expect(report.outcome).toBeUndefined();
  });

  it("reads the OK marker's fingerprint and tree digest", () => {
    expect(parseConsole(CONSOLE_OK).outcome).toEqual({ kind: "ok", fingerprint: FINGERPRINT, tree: TREE });
  });

  it("reads the FAILED marker and the log lines between BEGIN and END without their console prefix", () => {
    expect(parseConsole(CONSOLE_FAILED).outcome).toEqual({
      kind: "failed",
      phase: "repos",
      exit: 1,
      log: ["npm ERR! code ERESOLVE", "npm ERR! ERESOLVE unable to resolve dependency tree", "  while building api at 4b825dc6"],
      logComplete: true,
    });
  });

  it("keeps log lines as printed when the markers have no prefix (a plain serial console)", () => {
    const text = "UNIBOX-BUILD-FAILED phase=runtimes exit=22\r\nUNIBOX-LOG-BEGIN\r\ncurl: (22) The requested URL returned error: 404\r\n  at https://nodejs.org/dist/v20.99.0/\r\nUNIBOX-LOG-END\r\n";
    expect(parseConsole(text).outcome).toEqual({
      kind: "failed",
      phase: "runtimes",
      exit: 22,
      log: ["curl: (22) The requested URL returned error: 404", "  at https://nodejs.org/dist/v20.99.0/"],
      logComplete: true,
    });
  });

  it("says the log is incomplete when the console does not show its END yet", () => {
    const cut = CONSOLE_FAILED.slice(0, CONSOLE_FAILED.indexOf("UNIBOX-LOG-END"));
    const outcome = parseConsole(cut).outcome;
    expect(outcome).toMatchObject({ kind: "failed", phase: "repos", logComplete: false });
    expect(outcome?.kind === "failed" && outcome.log.slice(0, 2)).toEqual(["npm ERR! code ERESOLVE", "npm ERR! ERESOLVE unable to resolve dependency tree"]);
  });

  it("takes a FAILED marker with no log block as a failure with no lines", () => {
    expect(parseConsole("[ 5.1] cloud-init[9]: UNIBOX-BUILD-FAILED phase=packages exit=100\n[ 5.2] reboot: Power down\n").outcome).toEqual({
      kind: "failed",
      phase: "packages",
      exit: 100,
      log: [],
      logComplete: true,
    });
  });

  it("ignores colour escapes around markers", () => {
    expect(parseConsole("\x1b[0;32mUNIBOX-BUILD-PHASE users\x1b[0m\n").phases).toEqual(["users"]);
  });

  it("does not let a marker inside the failure log count as a phase", () => {
    const text = "UNIBOX-BUILD-FAILED phase=repos exit=2\nUNIBOX-LOG-BEGIN\n+ echo UNIBOX-BUILD-PHASE fake\nUNIBOX-LOG-END\n";
    const report = parseConsole(text);
    expect(report.phases).toEqual([]);
    expect(report.outcome).toMatchObject({ log: ["+ echo UNIBOX-BUILD-PHASE fake"] });
  });

  it("keeps the last outcome when the builder booted twice", () => {
    const text = `${CONSOLE_FAILED}[    0.000000] Linux version 6.1.0-21-cloud-amd64\n${CONSOLE_OK}`;
    expect(parseConsole(text).outcome?.kind).toBe("ok");
  });

  it.each([
    ["a tree that is not a sha256 digest", `UNIBOX-BUILD-OK fingerprint=${FINGERPRINT} tree=sha256:abc`],
    ["a tree digest one digit too long", `UNIBOX-BUILD-OK fingerprint=${FINGERPRINT} tree=${TREE}0`],
    ["no tree at all", `UNIBOX-BUILD-OK fingerprint=${FINGERPRINT}`],
    ["an exit status that is not a number", "UNIBOX-BUILD-FAILED phase=repos exit=x"],
    ["a marker run into another word", "XUNIBOX-BUILD-OKfingerprint=1 tree=sha256:1"],
  ])("does not take %s for an outcome", (_what, line) => {
    expect(parseConsole(`${line}\n`).outcome).toBeUndefined();
  });

  it("keeps the last non-empty lines as the tail", () => {
    const text = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n") + "\n\n";
    expect(parseConsole(text, 3).tail).toEqual(["line 37", "line 38", "line 39"]);
  });
});
