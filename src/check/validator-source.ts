/**
 * Source of the precompiled IR validator: ajv's standalone code for the committed schema.
 * In: src/ir/pnn-ir.schema.json. Out: an ES module whose default export validates an IR.
 */
import { Ajv } from "ajv";
import standalone from "ajv/dist/standalone/index.js";
import schema from "../ir/pnn-ir.schema.json" with { type: "json" };
import { ajvOptions, uniqueListKeyword, validatorSchema } from "./ajv-options.js";

export function validatorSource(): string {
  const ajv = new Ajv({ ...ajvOptions, code: { source: true, esm: true } });
  ajv.addKeyword(uniqueListKeyword);
  const code = standalone.default(ajv, ajv.compile(validatorSchema(schema)));
  // ajv's ESM output still `require`s its small runtime helpers.
  return `import { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);\n${code}\n`;
}
