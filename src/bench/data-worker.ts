/**
 * One data-phase measurement in a fresh process, so peak memory belongs to that table alone:
 * compile the spec, load its datasets, build its folds, then fit and apply the normaliser of the
 * first run. In: a spec path (argv). Out: one JSON line with phase times (ms) and peak RSS (MB).
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { compileSpec } from "../compile.js";
import { rowsIn } from "../runtime/folds.js";
import { loadSpecData } from "../data/load.js";
import { applyNormalizer, fitNormalizer } from "../runtime/normalize.js";

const path = process.argv[2] ?? "";
const front = compileSpec(path, readFileSync(path));
if (!front.ir || !front.spans) throw new Error(`${path} does not compile`);
const t0 = performance.now();
const loaded = await loadSpecData(
  { file: front.file, ir: front.ir, spans: front.spans },
  dirname(path),
);
const t1 = performance.now();
if (!loaded.value) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
let rows = 0;
for (const [id, data] of loaded.value.datasets) {
  const split = loaded.value.splits.get(id);
  const fold = split?.folds[0];
  const run = split?.runs[0]?.[0];
  if (!fold || !run) continue;
  const dataset = front.ir.datasets.find((d) => d.id === id);
  const train = rowsIn(fold, run.train);
  const norm = fitNormalizer(dataset?.normalize ?? "global", data.x, data.dims, train, data.groups);
  const all = Int32Array.from({ length: data.rows }, (_, r) => r);
  applyNormalizer(norm, data.x, data.dims, all, data.groups);
  rows += data.rows;
}
const t2 = performance.now();
process.stdout.write(
  JSON.stringify({
    rows,
    loadAndFoldMs: t1 - t0,
    normalizeMs: t2 - t1,
    totalMs: t2 - t0,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }) + "\n",
);
