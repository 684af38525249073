/**
 * A prefix of the Table-2 protocol as `pnnc compare` runs it, in a fresh process: the five paper
 * specs, repeat 1, only its first K folds, trained by the compare service with W worker threads
 * into an empty output folder (so nothing is reused), timed from the first training to the last.
 * In: argv spec files…, `--folds K --workers W --out DIR`. Out: one JSON line (timing, trainings, max RSS).
 */
import { prepareCompare } from "../experiment/prepare-compare.js";
import { trainRuns } from "../experiment/train-runs.js";
import type { LoadedSpec } from "../experiment/load-spec.js";
import type { ColumnRun, RunResults } from "../runtime/results.js";
import { columnShape, forwardFlopsPerSample, trainFlopsPerSample } from "./protocol-math.js";

interface Args {
  files: string[];
  folds: number;
  workers: number;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const files: string[] = [];
  const args: Args = { files, folds: 1, workers: 2, out: "" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--folds") args.folds = Number(argv[++i]);
    else if (a === "--workers") args.workers = Number(argv[++i]);
    else if (a === "--out") args.out = argv[++i] ?? "";
    else files.push(a);
  }
  return args;
}

/** One column training of the measured runs, with what its FLOP count needs. */
export interface TrainingRecord {
  method: string;
  column: string;
  task: string;
  repeat: number;
  fold: number;
  epochs: number;
  classes: number;
  /** Rows of the test fold: the folds are stratified, so train ≈ 8 × and validation ≈ 1 × this. */
  testRows: number;
  /** FLOPs of one training sample and of one validation (inference) sample of this column. */
  trainFlops: number;
  forwardFlops: number;
}

const args = parseArgs(process.argv.slice(2));
const prepared = await prepareCompare(args.files, {
  out: args.out,
  backend: "wasm",
  repeats: "1",
  workers: String(args.workers),
  // Every column trained, none reused or saved: the bench times the training users wait for.
  store: false,
});
if (!prepared.ok) {
  process.stderr.write(JSON.stringify(prepared, null, 2) + "\n");
  process.exit(1);
}
const p = prepared.value;
// The first K (repeat, fold) pairs; the driver's `only` filter keeps the in-thread pass to them too.
const pairs = p.pending.slice(0, args.folds);
const chosen = new Set(pairs.map(([r, f]) => `${r}/${f}`));
const busy = Math.min(args.workers, pairs.length);
const t0 = performance.now();
const outcome = await trainRuns(
  { pending: pairs, workers: busy },
  // The job `pnnc compare` gives each worker thread (src/experiment/execute-compare.ts).
  (share, taken) => ({
    kind: "compare",
    files: p.files,
    out: p.out,
    backend: p.backend,
    pairs: share,
    taken,
  }),
  ({ progress }) => p.execute({ progress, only: (r, f) => chosen.has(`${r}/${f}`) }),
  () => {},
);
const seconds = (performance.now() - t0) / 1000;
if (!outcome.ok) {
  process.stderr.write(JSON.stringify(outcome, null, 2) + "\n");
  process.exit(1);
}

/**
 * Each column training once: a column several specs declare identically is trained once per run
 * and shared (its records are then identical), so records are told apart by run, column, task and
 * learning curve.
 */
function trainings(results: readonly RunResults[], specs: readonly LoadedSpec[]): TrainingRecord[] {
  const seen = new Set<string>();
  const out: TrainingRecord[] = [];
  results.forEach((r, i) => {
    const spec = specs[i];
    const inputDim = [...(spec?.data.datasets.values() ?? [])][0]?.dims ?? 0;
    const columns = spec?.ir.columns ?? [];
    for (const run of r.runs as ColumnRun[]) {
      const key = JSON.stringify([run.repeat, run.fold, run.column, run.task, run.curve]);
      if (seen.has(key)) continue;
      seen.add(key);
      const classes = run.test.confusion.length;
      const ir = columns.find((c) => c.id === run.column);
      const shape = ir ? columnShape(ir, columns, inputDim, classes) : null;
      out.push({
        method: spec?.ir.name ?? "?",
        column: run.column,
        task: run.task,
        repeat: run.repeat,
        fold: run.fold,
        epochs: run.epochsTrained,
        classes,
        testRows: run.test.confusion.flat().reduce((n, c) => n + c, 0),
        trainFlops: shape ? trainFlopsPerSample(shape) : 0,
        forwardFlops: shape ? forwardFlopsPerSample(shape) : 0,
      });
    }
  });
  return out;
}

/** Training folds per run (k − 1 − validation folds): train rows ≈ this × test rows. */
function trainFolds(spec: LoadedSpec | undefined): number {
  const evaluation = spec?.ir.evaluation;
  if (!evaluation || !("k" in evaluation.folds)) return 8;
  return evaluation.folds.k - 1 - evaluation.validationFolds;
}

process.stdout.write(
  JSON.stringify({
    pairs,
    busy,
    seconds,
    sharedPerRun: p.shared,
    // A fresh output folder: every run of repeat 1 is pending.
    runsPerRepeat: p.pending.length,
    trainFoldsPerTestFold: trainFolds(p.specs[0]),
    trainings: trainings(outcome.value.value, p.specs),
    maxRssKiB: process.resourceUsage().maxRSS,
  }) + "\n",
);
