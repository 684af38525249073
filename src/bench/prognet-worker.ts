/**
 * pnnc's side of the per-core ProgNet throughput bench, in a fresh single-threaded wasm process:
 * the paper's column 1 (88 → 4 × 256 sigmoid, dropout 0.5 → 24 speakers) or column 2 (emotion, 4
 * classes, `lateral from speaker into all` reading the frozen column 1) trained by trainColumn.
 * In: argv column (1|2), rows, epochs. Out: one JSON line (samples/s, bare matMul GFLOP/s, max RSS).
 */
import type * as Tf from "@tensorflow/tfjs";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { selectBackend } from "../runtime/backends.js";
import { ColumnModel } from "../engine/column-model.js";
import { trainColumn } from "../runtime/train.js";
import type { ColumnIr, StageIr } from "../ir/types.js";
import { matMulFlops } from "./protocol-math.js";

const column = Number(process.argv[2] ?? "1");
const ROWS = Number(process.argv[3] ?? "1152");
const EPOCHS = Number(process.argv[4] ?? "8");
const SPEAKERS = 24;
const EMOTIONS = 4;

const selected = await selectBackend("wasm");
if ("problem" in selected) throw new Error(selected.problem);
const { tf } = selected;

// Same-shaped synthetic rows: the speed of dense layers does not depend on the values.
const x = tf.randomNormal([ROWS, 88], 0, 1, "float32", 7) as Tf.Tensor2D;
const labels = (classes: number) =>
  Int32Array.from({ length: ROWS }, (_, i) => (i * 7919) % classes);
const stage = (epochs: number): StageIr => ({
  id: "s",
  train: [],
  freeze: [],
  optimizer: { name: "adam", learningRate: 0.0005, momentum: 0 },
  batchSize: 64,
  epochs,
  earlyStopping: null,
  seed: 1,
  trainFolds: null,
});
const columnIr = (id: string, sources: string[]): ColumnIr => ({
  id,
  task: id,
  layers: Array.from({ length: 4 }, () => ({
    kind: "dense" as const,
    units: 256,
    activation: "sigmoid" as const,
    dropout: 0.5,
  })),
  head: { units: null, activation: "softmax" },
  init: null,
  // What `lateral from speaker into all` lowers to (src/ir/lower-column.ts): hidden 2–4 and the head.
  laterals: sources.length > 0 ? [{ kind: "linear", from: sources, into: [2, 3, 4, "head"] }] : [],
});

function seconds(f: () => void): number {
  const t0 = performance.now();
  f();
  return (performance.now() - t0) / 1000;
}

const models = new Map<string, ColumnModel>();
const speaker = new ColumnModel(tf, columnIr("speaker", []), 88, SPEAKERS, models, 1);
const speakerData = { train: { x, y: labels(SPEAKERS) }, validation: null };
let measured: ColumnModel;
let data = speakerData;
if (column === 1) {
  measured = speaker;
} else {
  // Column 1 is trained (briefly: its weights do not change the cost of column 2), then frozen.
  trainColumn(tf, speaker, models, speakerData, stage(1));
  models.set("speaker", speaker);
  measured = new ColumnModel(tf, columnIr("emotion", ["speaker"]), 88, EMOTIONS, models, 2);
  data = { train: { x, y: labels(EMOTIONS) }, validation: null };
}
// One warm-up epoch (kernel set-up, JIT), then the measured ones; each trainColumn call builds the
// frozen-activation cache once, as a stage of `pnnc run` does.
trainColumn(tf, measured, models, data, stage(1));
const trainSeconds = seconds(() => trainColumn(tf, measured, models, data, stage(EPOCHS)));

// The bare kernel in the same process: 64 × 256 by 256 × 256, the shape of a hidden layer's step.
// Blocks of calls synced once at the end (as a training epoch is); the best block is the kernel's
// speed, since on a shared machine the others measure the neighbours too.
const a = tf.randomNormal([64, 256], 0, 1, "float32", 1);
const b = tf.randomNormal([256, 256], 0, 1, "float32", 2);
const block = (calls: number) =>
  seconds(() => {
    const out = Array.from({ length: calls }, () => tf.matMul(a, b));
    out.at(-1)?.dataSync();
    tf.dispose(out);
  });
block(100);
const CALLS = 200;
const kernelSeconds = Math.min(...Array.from({ length: 5 }, () => block(CALLS)));

process.stdout.write(
  JSON.stringify({
    backend: selected.name,
    // tfjs-wasm 4.22 loads its non-threaded binary in Node, so this is 1 (issue 13 asks why).
    threads: getThreadsCount(),
    column,
    samplesPerSecond: (ROWS * EPOCHS) / trainSeconds,
    kernelGflops: (matMulFlops(64, 256, 256) * CALLS) / kernelSeconds / 1e9,
    maxRssKiB: process.resourceUsage().maxRSS,
  }) + "\n",
);
