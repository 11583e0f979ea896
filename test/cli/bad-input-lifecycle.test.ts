// Bad input to the lifecycle commands (review, promote, image prune/verify, rollout, rollback, fleet, boot's new
// options): each is refused with its documented exit code and a message that names what was wrong, before
// anything is written, created or started; `--json` stays one JSON document; no stack trace without --verbose.
// One image is built once (a local store in a temp dir) so that the refusals that come after it are reached.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runJson } from "../helpers/cli.js";
import { appImageYaml, stackRepo } from "../helpers/stack-repo.js";

let root: string;
let store: string;

beforeAll(async () => {
  ({ root, store } = stackRepo("unibox-bad-input-", {
    "image/image.yaml": appImageYaml(),
    "roles/app.yaml": "repo: app\ncommand: sleep 100000\n",
    "apps/app/README": "app\n",
  }));
  await runJson(["image", "build", "--root", root, "--store", store]);
}, 120_000);

afterAll(async () => {
  const { removeTree } = await import("../../src/image/tree-ops.js");
  await removeTree(root);
});

/** What the store holds besides images and the cache: nothing a refused command may have made. */
function made(): string[] {
  const review = join(store, "review");
  return existsSync(review) ? readdirSync(review).filter((n) => !n.startsWith(".")) : [];
}

const cases: [string, string[], number, RegExp][] = [
  ["a box name with a path separator", ["review", "up", "--name", "a/b"], 2, /review box name "a\/b" must match/],
  ["a box name that climbs", ["review", "up", "--name", ".."], 2, /must match \[a-z\]/],
  ["an empty box name", ["review", "up", "--name", ""], 2, /must match \[a-z\]/],
  ["a box name with a newline", ["review", "up", "--name", "a\nb"], 2, /must match \[a-z\]/],
  ["a box name of 41 characters", ["review", "up", "--name", "a".repeat(41)], 2, /at most 40/],
  ["a negative TTL", ["review", "up", "--ttl", "-1h"], 2, /--ttl expects a duration/],
  ["a TTL that is not a duration", ["review", "up", "--ttl", "soon"], 2, /--ttl expects a duration/],
  ["a TTL past ten years", ["review", "up", "--ttl", "99999h"], 2, /--ttl may be at most 3650 days/],
  ["a max age of 0", ["review", "up", "--max-age", "0"], 2, /--max-age expects a duration/],
  ["a wait of 0 seconds", ["review", "up", "--wait", "0"], 2, /--wait expects a whole number from 1/],
  ["a --ref without a ref", ["review", "up", "--ref", "app"], 2, /--ref expects KEY=VALUE/],
  ["one repo given two refs", ["review", "up", "--ref", "app=a", "--ref", "app=b"], 2, /--ref app given twice: a and b/],
  ["a target that does not exist", ["review", "up", "--target", "gcp"], 2, /argument 'gcp' is invalid/],
  ["an image id that is not one", ["review", "up", "--image", "latest"], 2, /no image latest .*An image id looks like img-/s],
  ["an image id that is not in the store", ["review", "up", "--image", "img-000000000000"], 2, /no image img-000000000000 in the store/],
  ["a --ref to a repo the stack does not have", ["review", "up", "--name", "r1", "--ref", "nosuch=main"], 2, /--ref names "nosuch", not a repo of the stack's image\/image.yaml/],
  ["a --ref to a repo named like Object's own `constructor`", ["review", "up", "--name", "r5", "--ref", "constructor=main"], 2, /--ref names "constructor", not a repo/],
  ["a --ref to a repo named `__proto__`", ["review", "up", "--name", "r6", "--ref", "__proto__=main"], 2, /--ref names "__proto__", not a repo/],
  ["a --ref that names no commit", ["review", "up", "--name", "r2", "--ref", "app=no-such-branch"], 2, /ref "no-such-branch" names no commit/],
  ["a --stack-ref that names no commit", ["review", "up", "--name", "r3", "--stack-ref", "no-such-branch"], 2, /--stack-ref no-such-branch/],
  ["a --stack-ref that is an option", ["review", "up", "--name", "r4", "--stack-ref=--orphan=x"], 2, /--stack-ref "--orphan=x" is not a branch, tag or commit/],
  ["review down without a name", ["review", "down"], 2, /missing required argument 'name'/],
  ["review down of a box there is not", ["review", "down", "nosuch"], 2, /no review box "nosuch"/],
  ["review down of a path", ["review", "down", "../../etc"], 2, /no review box "..\/..\/etc"/],
  ["promote of a box there is not", ["promote", "nosuch"], 2, /no review box "nosuch"/],
  ["promote without a box", ["promote"], 2, /missing required argument 'box'/],
  ["image prune without --keep", ["image", "prune"], 2, /required option '--keep <n>' not specified/],
  ["image prune --keep that is not a number", ["image", "prune", "--keep", "all"], 2, /--keep expects a whole number/],
  ["image prune --keep -1", ["image", "prune", "--keep", "-1"], 2, /--keep expects a whole number/],
  ["image verify of an id that is not one", ["image", "verify", "img-zzz"], 2, /no image img-zzz/],
  ["rollout without --asg", ["rollout"], 2, /required option '--asg <name>' not specified/],
  ["rollout with checkpoints out of order", ["rollout", "--asg", "g", "--checkpoints", "50,20,100"], 2, /--checkpoints "50,20,100": expected ascending percentages ending at 100/],
  ["rollout with checkpoints not ending at 100", ["rollout", "--asg", "g", "--checkpoints", "20,50"], 2, /ending at 100/],
  ["rollout with --min-healthy past 100", ["rollout", "--asg", "g", "--min-healthy", "101"], 2, /--min-healthy expects a whole number from 0 to 100/],
  ["rollout with a timeout of 0", ["rollout", "--asg", "g", "--timeout", "0"], 2, /--timeout expects a duration/],
  ["rollback without --launch-template", ["rollback"], 2, /required option '--launch-template <lt>' not specified/],
  ["fleet ls on a target that does not exist", ["fleet", "ls", "--target", "k8s"], 2, /argument 'k8s' is invalid/],
  ["boot with an --env-dir that does not exist", ["boot", "--prefix", "/nonexistent-unibox-prefix", "--tag", "unibox:mode=review", "--tag", "unibox:box=b", "--env-dir", "/nonexistent-unibox-env"], 2, /expected a directory of env files/],
  ["boot --image of an id that is not in the store", ["boot", "--image", "img-000000000000", "--prefix", "/nonexistent-unibox-prefix", "--tag", "unibox:mode=review", "--tag", "unibox:box=b"], 2, /no image img-000000000000/],
  ["image build on a target that does not exist", ["image", "build", "--target", "azure"], 2, /argument 'azure' is invalid/],
];

describe("bad input to the lifecycle commands", () => {
  it.each(cases)("refuses %s with its documented exit code", async (_what, args, code, message) => {
    // rollout and rollback talk to AWS only: they take no --root or --store.
    const where = ["rollout", "rollback"].includes(args[0]) ? [] : ["--root", root, "--store", store];
    const r = await runCli([...args, ...where]);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(made()).toEqual([]);
    expect(existsSync("/nonexistent-unibox-prefix")).toBe(false);
    const j = await runCli([...args, ...where, "--json"]);
    expect(j.code).toBe(code);
    const doc = JSON.parse(j.stdout);
    expect(doc.error.exitCode).toBe(code);
  });
});
