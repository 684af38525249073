/**
 * `npm run test:fast`: the front end (syntax, lowering, checks, formatting, diagnostics, upgrades)
 * and the data layer (loading, folds, synthetic tables), without training, the CLI or a build, for
 * the edit loop. `npm test` runs everything.
 */
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

const FAST = [
  "lower",
  "semantics",
  "format",
  "schema",
  "diagnostics",
  "specs",
  "fuzz",
  "parse-fast-path",
  "drift",
  "readme",
  "hermetic",
  "data-load",
  "runtime-table",
  "folds",
  "synth-domains",
  "statistics",
  "engine-metrics",
  "atomic-files",
  "architecture",
];

// mergeConfig would append to the base `include`; the fast set replaces it.
export default defineConfig({
  ...base,
  test: { ...base.test, include: FAST.map((name) => `test/${name}.test.ts`) },
});
