/**
 * Build step: writes the precompiled IR validator to dist/check/ir-validator.js.
 * In: the schema (via validator-source.ts). Out: one file. Why: compiling the schema at start-up costs
 * ~160 ms of every `pnnc check`; loading the precompiled module ~5 ms. validate-schema.ts compiles at
 * run time instead when the file is absent (tests run from src/).
 */
import { writeFileSync } from "node:fs";
import { validatorSource } from "../check/validator-source.js";

writeFileSync(new URL("../check/ir-validator.js", import.meta.url), validatorSource());
