// A stack of 20,000 components: validation stays correct at a size where a quadratic check would take many seconds.
// Speed itself is measured outside the tests (see the report of the change), not asserted here.
import { describe, expect, it } from "vitest";
import { runValidate, writeStack } from "../helpers/stack-dir.js";

const COMPONENTS = 20_000;

/** `roles/big.yaml` with `count` components `cN`, on ports from 10000 up unless `port` says otherwise. */
function bigRole(count: number, port: (i: number) => number | undefined = (i) => 10_000 + i): string {
  const lines = Array.from({ length: count }, (_, i) => {
    const p = port(i);
    return `  c${i}: { command: sleep 1${p === undefined ? "" : `, port: ${p}`} }`;
  });
  return `components:\n${lines.join("\n")}\n`;
}

describe("unibox validate on a role of 20,000 components", () => {
  it("accepts them on distinct ports, with a template on every box", async () => {
    const root = writeStack({ "roles/big.yaml": bigRole(COMPONENTS), "envdirs/common/URL.hbs": "http://{{box.privateIp}}/\n" });
    const { code, stdout, stderr } = await runValidate(root);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe(`ok: 2 services, ${COMPONENTS + 1} components, 1 env scopes, 1 repo\n`);
  });

  it("accepts them without ports", async () => {
    const { code } = await runValidate(writeStack({ "roles/big.yaml": bigRole(COMPONENTS, () => undefined) }));
    expect(code).toBe(0);
  });

  it("reports the one port collision among them once, though it shows on several boxes", async () => {
    const root = writeStack({ "roles/big.yaml": bigRole(COMPONENTS, (i) => (i === COMPONENTS - 1 ? 10_005 : 10_000 + i)) });
    const { code, stderr } = await runValidate(root);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `roles/big.yaml:${COMPONENTS + 1}:37: port collision on a review box: big.c19999 uses 10005, big.c5 uses 10005; move one of the ports\n` +
        "unibox: invalid stack definition: 1 error\n",
    );
  });

  it("reports every component that shares one port, each once, naming the first", async () => {
    const { code, stderr } = await runValidate(writeStack({ "roles/big.yaml": bigRole(COMPONENTS, () => 4000) }));
    expect(code).toBe(2);
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(COMPONENTS);
    expect(lines[0]).toBe("roles/big.yaml:3:33: port collision on a review box: big.c1 uses 4000, big.c0 uses 4000; move one of the ports");
    expect(lines.at(-1)).toBe(`unibox: invalid stack definition: ${COMPONENTS - 1} errors`);
  });
});
