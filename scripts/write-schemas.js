// Writes schema/*.schema.json from the zod schemas (run by `npm run build`).
import { mkdirSync, writeFileSync } from "node:fs";
import { jsonSchemas } from "../dist/stack/json-schema.js";

mkdirSync(new URL("../schema/", import.meta.url), { recursive: true });
for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(new URL(`../schema/${name}.schema.json`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
}
