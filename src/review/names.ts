// Review box names: what `--name` may be, and the name a box gets when none is given.
import { randomBytes } from "node:crypto";
import { UsageError } from "../errors.js";

/** DNS-label-like, so the name fits a prefix folder, an EC2 tag and a hostname alike. */
export const BOX_NAME = /^[a-z][a-z0-9-]{0,39}$/;

export function checkBoxName(name: string): string {
  if (!BOX_NAME.test(name)) {
    throw new UsageError(`review box name "${name}" must match [a-z][a-z0-9-]{0,39}: lowercase letters, digits and dashes, at most 40`, {
      details: [`e.g. --name ${suggest(name)}`],
    });
  }
  return name;
}

/** The name from the first ref (`api=feature/login` -> `api-feature-login`), else `box-<4 hex>`. */
export function defaultBoxName(refs: Record<string, string>, stackRef?: string): string {
  const [repo, ref] = Object.entries(refs)[0] ?? [];
  const base = repo ? `${repo}-${ref}` : stackRef ? `stack-${stackRef}` : "";
  const slug = suggest(base);
  return `${slug && BOX_NAME.test(slug) ? slug.slice(0, 34) : "box"}-${randomBytes(2).toString("hex")}`;
}

function suggest(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").replace(/-+/g, "-").replace(/-$/, "").slice(0, 40);
  return s || "my-box";
}
