// Step seal: read-only, digested, with its provenance beside it, and renamed to its id: only now does the
// image exist for `image ls`, reuse and `boot --image`.
import { chmodSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure } from "../../../errors.js";
import { provenanceStatement } from "../../provenance.js";
import type { Step } from "../../runner.js";
import { ENTRIES_FILE, IMAGE_FILE, readImage, STATEMENT_FILE, type StoredImage } from "../../store.js";
import { sealTree } from "../../tree-ops.js";
import { digestOfLines, treeEntries, treeLines } from "../../tree-digest.js";
import { linkedEntries } from "./cache-entry.js";
import type { LocalState } from "./state.js";

export const seal: Step<LocalState> = {
  name: "seal",
  title: "seal the image: read-only, digest, provenance",
  async run(state, ctx) {
    const { manifest, recipe } = state.input;
    const id = manifest.id;
    const opt = join(state.tree, "opt/unibox");
    const linked = new Set(state.linked.map((l) => l.rel));
    await sealTree(state.tree, [...linked].map((rel) => join(opt, rel)));
    ctx.progress("digest of the tree");
    // The linked cache entries' lines were made when they were sealed; only the rest is read now.
    const entries = [...treeEntries(opt, { skip: (rel) => linked.has(rel) }), ...(await linkedEntries(state))].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
    const lines = treeLines(entries);
    const digest = digestOfLines(lines);
    writeFileSync(join(state.building, ENTRIES_FILE), lines, { mode: 0o444 });
    const finishedOn = new Date().toISOString();
    const statement = provenanceStatement({ manifest, recipe, treeDigest: digest, startedOn: state.startedOn, finishedOn, ciRunUrl: manifest.ciRunUrl, buildId: state.input.buildId });
    const meta: Omit<StoredImage, "dir"> = { id, fingerprint: manifest.fingerprint, created: finishedOn, manifest, treeDigest: digest };
    for (const [name, value] of [[IMAGE_FILE, meta], ["manifest.json", manifest], [STATEMENT_FILE, statement]] as const) {
      writeFileSync(join(state.building, name), `${JSON.stringify(value, null, 2)}\n`, { mode: 0o444 });
    }
    rmSync(join(state.building, "pid"), { force: true });
    chmodSync(state.building, 0o555);
    try {
      renameSync(state.building, state.store.imageDir(id));
    } catch (err) {
      // Another build of the same fingerprint sealed first: the same image, so this one is dropped.
      if (readImage(state.store, id)) {
        chmodSync(state.building, 0o755);
        state.sealed = { id, dir: state.store.imageDir(id), treeDigest: readImage(state.store, id)!.treeDigest, created: readImage(state.store, id)!.created };
        return;
      }
      chmodSync(state.building, 0o755);
      throw new RuntimeFailure(`cannot seal ${state.building} as ${state.store.imageDir(id)}: ${(err as Error).message}`, { cause: err });
    }
    state.sealed = { id, dir: state.store.imageDir(id), treeDigest: digest, created: finishedOn };
  },
};
