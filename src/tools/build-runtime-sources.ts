/**
 * Build step: copies src/runtime/*.ts, byte for byte, to dist/runtime-src/. Why: `pnnc compile
 * --target ts` gives every program those sources as its runtime/ folder, and an installed package
 * ships dist/ but not src/ (see codegen/runtime-sources.ts). In: src/runtime/. Out: one folder.
 */
import { fileURLToPath } from "node:url";
import { BUILT_RUNTIME_DIR, copyRuntimeSources } from "../codegen/runtime-sources.js";

/** dist/tools/ is two levels below the repository root, as src/tools/ is. */
const SOURCE = fileURLToPath(new URL("../../src/runtime/", import.meta.url));

copyRuntimeSources(SOURCE, BUILT_RUNTIME_DIR);
