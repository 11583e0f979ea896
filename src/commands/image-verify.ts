// `unibox image verify ID`: recompute the digest of a local image's tree and check it against its provenance
// statement; on a difference, say which files changed.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure } from "../errors.js";
import { verifyStatement, type InTotoStatement } from "../image/provenance.js";
import { verifyPromotion } from "../image/promote.js";
import { checkStore, ENTRIES_FILE, findImage, openStore, requireImage, STATEMENT_FILE, storeDir } from "../image/store.js";
import { diffTrees, digestOfLines, parseTreeLines, treeEntries, treeLines } from "../image/tree-digest.js";
import type { CommandResult } from "./result.js";

export async function imageVerifyCommand(options: { root: string; store?: string; id: string }): Promise<CommandResult> {
  const store = openStore(storeDir(options.root, options.store));
  checkStore(store);
  // Also the images review boxes run (review-images/): a box's image can be checked before it is promoted.
  const image = findImage(store, options.id) ?? requireImage(store, options.id);
  const statementFile = join(image.dir, STATEMENT_FILE);
  let statement: unknown;
  try {
    statement = JSON.parse(readFileSync(statementFile, "utf8"));
  } catch (err) {
    throw new RuntimeFailure(`cannot read the provenance statement ${statementFile}: ${(err as Error).message}`, { cause: err });
  }
  const tree = join(image.dir, "tree/opt/unibox");
  const actualEntries = treeEntries(tree);
  const actual = digestOfLines(treeLines(actualEntries));
  const result = verifyStatement(statement, actual);
  // A promoted image also proves its review: the statement, the manifest and the parent image must agree.
  const promotion = verifyPromotion(image, statement as InTotoStatement, (id) => findImage(store, id));
  if (result.ok && promotion.length) {
    throw new RuntimeFailure(`${image.id}'s tree matches its digest, but its promotion record does not hold`, { details: promotion });
  }
  if (result.ok && image.manifest.promotion) {
    const p = image.manifest.promotion;
    return {
      json: { id: image.id, ok: true, digest: actual, promotion: p },
      text: `ok: ${image.id}'s tree matches its provenance statement (${actual})\npromoted from review box ${p.box} (image ${p.parentImage.id}, ${p.parentImage.treeDigest}), healthy at ${p.healthVerifiedAt}; repos: ${Object.entries(p.repos).map(([n, c]) => `${n}@${c.slice(0, 12)}`).join(" ")}`,
    };
  }
  if (result.ok) {
    return { json: { id: image.id, ok: true, digest: actual }, text: `ok: ${image.id}'s tree matches its provenance statement (${actual})` };
  }
  const details = [...result.problems];
  const entriesFile = join(image.dir, ENTRIES_FILE);
  if (existsSync(entriesFile)) {
    const expected = parseTreeLines(readFileSync(entriesFile, "utf8"));
    const diff = diffTrees(expected, actualEntries);
    details.push(...diff.added.map((p) => `added:   opt/unibox/${p}`), ...diff.removed.map((p) => `removed: opt/unibox/${p}`), ...diff.changed.map((c) => `changed: opt/unibox/${c.path} (${c.what})`));
  }
  throw new RuntimeFailure(`${image.id} does not match its provenance statement: expected ${result.expected}, found ${result.actual}`, { details });
}
