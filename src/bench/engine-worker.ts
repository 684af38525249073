/**
 * Engine measurements in one fresh process on the default backend: the training throughput of
 * pnnc's column trainer on the paper's network (to compare with the hand-written loop of
 * train-worker.ts), and the cost of training column k = 1..4 of a progressive network whose column
 * k reads all earlier ones, with the frozen-activation cache on and off.
 * In: nothing. Out: one JSON line.
 */
import { selectBackend } from "../runtime/backends.js";
import { ColumnModel } from "../engine/column-model.js";
import { trainColumn } from "../runtime/train.js";
import type { ColumnIr, StageIr } from "../ir/types.js";

const selected = await selectBackend();
if ("problem" in selected) throw new Error(selected.problem);
const { tf } = selected;

const ROWS = 2048;
const x = tf.randomNormal([ROWS, 88], 0, 1, "float32", 7) as import("@tensorflow/tfjs").Tensor2D;
const y = Int32Array.from({ length: ROWS }, (_, i) => (i * 7919) % 4);
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
const column = (id: string, depth: number, sources: string[]): ColumnIr => ({
  id,
  task: "t",
  layers: Array.from({ length: depth }, () => ({
    kind: "dense" as const,
    units: 256,
    activation: "sigmoid" as const,
    dropout: 0.5,
  })),
  head: { units: null, activation: "softmax" },
  init: null,
  laterals:
    sources.length > 0
      ? [
          {
            kind: "linear",
            from: sources,
            into: [...Array.from({ length: depth - 1 }, (_, i) => i + 2), "head"],
          },
        ]
      : [],
});

function seconds(f: () => void): number {
  const t0 = performance.now();
  f();
  return (performance.now() - t0) / 1000;
}

// 1. The paper's network through pnnc's trainer.
const paper = new ColumnModel(tf, column("paper", 4, []), 88, 4, new Map(), 1);
trainColumn(tf, paper, new Map(), { train: { x, y }, validation: null }, stage(1));
const EPOCHS = 4;
const engineSeconds = seconds(() =>
  trainColumn(tf, paper, new Map(), { train: { x, y }, validation: null }, stage(EPOCHS)),
);
paper.dispose();

// 2. Stage k: column k reads columns 1..k-1, which are frozen.
const models = new Map<string, ColumnModel>();
const stageK: { k: number; cached: number; uncached: number }[] = [];
for (let k = 1; k <= 4; k++) {
  const sources = [...models.keys()];
  const ir = column(`c${k}`, 2, sources);
  const time = (cacheFrozen: boolean) => {
    const model = new ColumnModel(tf, ir, 88, 4, models, k);
    trainColumn(tf, model, models, { train: { x, y }, validation: null }, stage(1), {
      cacheFrozen,
    });
    const s = seconds(() =>
      trainColumn(tf, model, models, { train: { x, y }, validation: null }, stage(2), {
        cacheFrozen,
      }),
    );
    model.dispose();
    return s / 2;
  };
  stageK.push({ k, cached: time(true), uncached: time(false) });
  models.set(ir.id, new ColumnModel(tf, ir, 88, 4, models, k));
}
process.stdout.write(
  JSON.stringify({
    backend: selected.name,
    engineSamplesPerSecond: (ROWS * EPOCHS) / engineSeconds,
    stageK,
  }) + "\n",
);
