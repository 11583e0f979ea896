// JSON Schemas of roles/*.yaml and image/image.yaml, so editors complete and check them.
import { z } from "zod";
import { imageSchema } from "./image/schema.js";
import { roleSchema } from "./roles/schema.js";

/** `schema/<name>.schema.json` contents, by name. */
export function jsonSchemas(): Record<string, unknown> {
  return {
    role: { title: "unibox role (roles/<service>.yaml)", ...z.toJSONSchema(roleSchema, { io: "input", unrepresentable: "any" }) },
    image: { title: "unibox image recipe (image/image.yaml)", ...z.toJSONSchema(imageSchema, { io: "input", unrepresentable: "any" }) },
  };
}
