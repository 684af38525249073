/**
 * Trains one column for one stage: seeded shuffles and dropout, the stage's optimizer, per-epoch
 * training loss and validation metric (the learning curve), early stopping with patience that
 * restores the best epoch's weights. Frozen source columns never run in training mode: their hidden
 * activations are computed once per split (the frozen-activation cache) and gathered per batch.
 * In: the column, its frozen sources, normalised train/validation splits, the stage. Out: the curve.
 */
import type * as Tf from "@tensorflow/tfjs";
import type { Column, LayerRef, Tensor2D } from "./column.js";
import { hashSeed, Prng } from "./prng.js";
import { metrics } from "./metrics.js";

/** A training stage's settings (the IR's StageIr, minus what only the driver needs). */
export interface TrainingStage {
  optimizer: { name: "adam" | "sgd" | "rmsprop"; learningRate: number; momentum: number };
  batchSize: number;
  epochs: number;
  earlyStopping: { metric: "uar" | "accuracy" | "loss"; patience: number; minDelta: number } | null;
  seed: number;
}

export interface Split {
  x: Tensor2D;
  y: Int32Array;
}

export interface CurvePoint {
  epoch: number;
  loss: number;
  validation: number | null;
}

export interface TrainResult {
  curve: CurvePoint[];
  bestEpoch: number;
  epochsTrained: number;
}

/**
 * Hidden activations of every column that `column` reads, directly or through its sources' own
 * laterals, in inference mode (frozen columns never use dropout). Kept until the caller disposes them.
 */
export function sourceActivations(
  tf: typeof Tf,
  column: Column,
  models: ReadonlyMap<string, Column>,
  x: Tensor2D,
): Map<string, Tensor2D[]> {
  const out = new Map<string, Tensor2D[]>();
  const visit = (model: Column) => {
    for (const id of model.sources) {
      if (out.has(id)) continue;
      const source = models.get(id);
      if (!source) throw new Error(`internal: no model for source column \`${id}\``);
      visit(source);
      out.set(
        id,
        tf.tidy(() => source.forward(x, out, false).hidden),
      );
    }
  };
  visit(column);
  return out;
}

function optimizerFor(tf: typeof Tf, stage: TrainingStage): Tf.Optimizer {
  const { name, learningRate, momentum } = stage.optimizer;
  if (name === "adam") return tf.train.adam(learningRate);
  if (name === "rmsprop") return tf.train.rmsprop(learningRate, 0.9, momentum);
  return momentum > 0 ? tf.train.momentum(learningRate, momentum) : tf.train.sgd(learningRate);
}

/** Class indices predicted for `x` (inference mode). */
export function predict(
  tf: typeof Tf,
  column: Column,
  x: Tensor2D,
  hidden: ReadonlyMap<string, Tensor2D[]>,
): Int32Array {
  return tf
    .tidy(() => tf.argMax(column.forward(x, hidden, false).logits, 1).dataSync() as Int32Array)
    .slice();
}

interface HostRows {
  data: Float32Array;
  width: number;
}

function hostRows(t: Tensor2D): HostRows {
  return { data: t.dataSync() as Float32Array, width: t.shape[1] };
}

/** The given rows of a host matrix as a new tensor. */
function batchOf(tf: typeof Tf, m: HostRows, rows: readonly number[]): Tensor2D {
  const out = new Float32Array(rows.length * m.width);
  rows.forEach((r, k) => out.set(m.data.subarray(r * m.width, (r + 1) * m.width), k * m.width));
  return tf.tensor2d(out, [rows.length, m.width]);
}

export interface TrainOptions {
  frozenLayers?: ReadonlySet<LayerRef>;
  /**
   * Compute frozen sources' activations once per split (default) or again for every batch. The
   * results are the same; off exists to measure and test the cache.
   */
  cacheFrozen?: boolean;
}

export function trainColumn(
  tf: typeof Tf,
  column: Column,
  models: ReadonlyMap<string, Column>,
  data: { train: Split; validation: Split | null },
  stage: TrainingStage,
  opts: TrainOptions = {},
): TrainResult {
  const frozenLayers = opts.frozenLayers ?? new Set<LayerRef>();
  const cacheFrozen = opts.cacheFrozen ?? true;
  const classes = column.head.bias.shape[0] ?? 0;
  // Batches are assembled in JavaScript from row-major copies: on the wasm backend, slicing or
  // gathering a large tensor reads all of it back every time, which cost more than the cache saved.
  const trainX = hostRows(data.train.x);
  const cachedRows = new Map<string, HostRows[]>();
  if (cacheFrozen) {
    const cache = sourceActivations(tf, column, models, data.train.x);
    for (const [id, hs] of cache) cachedRows.set(id, hs.map(hostRows));
    for (const hs of cache.values()) tf.dispose(hs);
  }
  const validationCache = data.validation
    ? sourceActivations(tf, column, models, data.validation.x)
    : null;
  const optimizer = optimizerFor(tf, stage);
  const varList = column.trainable(frozenLayers);
  const n = data.train.y.length;
  const early = stage.earlyStopping;
  const better = (a: number, b: number) =>
    early?.metric === "loss" ? a < b - early.minDelta : a > b + (early?.minDelta ?? 0);
  let best = { score: Number.NaN, epoch: 0, weights: null as Tf.Tensor[] | null };
  let waited = 0;
  const curve: CurvePoint[] = [];
  let step = 0;
  for (let epoch = 1; epoch <= stage.epochs; epoch++) {
    const order = new Prng(hashSeed(stage.seed, column.id, epoch)).shuffle(
      Array.from({ length: n }, (_, i) => i),
    );
    // One gather per epoch puts rows (and cached frozen activations) in this epoch's order; batches
    // are then contiguous slices, far cheaper than a gather per batch.
    let lossSum = tf.scalar(0);
    for (let start = 0; start < n; start += stage.batchSize) {
      const rows = order.slice(start, start + stage.batchSize);
      const seed = hashSeed(stage.seed, "dropout", step++);
      const cost: Tf.Scalar = tf.tidy(() => {
        const xb = batchOf(tf, trainX, rows);
        const yb = tf.oneHot(
          tf.tensor1d(
            Int32Array.from(rows, (r) => data.train.y[r] ?? 0),
            "int32",
          ),
          classes,
        );
        const hidden = cacheFrozen
          ? new Map([...cachedRows].map(([id, hs]) => [id, hs.map((h) => batchOf(tf, h, rows))]))
          : sourceActivations(tf, column, models, xb);
        // The optimizer sees the batch-mean loss (SGD's step must not scale with the batch size);
        // the curve adds up mean × rows to report the epoch's mean loss.
        const mean = optimizer.minimize(
          () =>
            tf.losses.softmaxCrossEntropy(
              yb,
              column.forward(xb, hidden, true, seed).logits,
            ) as Tf.Scalar,
          true,
          varList,
        );
        return tf.mul(mean ?? tf.scalar(0), rows.length) as Tf.Scalar;
      });
      const next = tf.add(lossSum, cost) as Tf.Scalar;
      lossSum.dispose();
      cost.dispose();
      lossSum = next;
    }
    const loss = (lossSum.dataSync()[0] ?? 0) / n;
    lossSum.dispose();
    const score =
      data.validation && validationCache
        ? validationScore(tf, column, data.validation, validationCache, early?.metric ?? "uar")
        : null;
    curve.push({ epoch, loss, validation: score });
    if (!early || score === null) continue;
    if (Number.isNaN(best.score) || better(score, best.score)) {
      best.weights?.forEach((w) => w.dispose());
      best = { score, epoch, weights: varList.map((v) => v.clone()) };
      waited = 0;
    } else if (++waited >= early.patience) break;
  }
  if (best.weights) varList.forEach((v, i) => v.assign(best.weights?.[i] as Tf.Tensor));
  best.weights?.forEach((w) => w.dispose());
  for (const hs of validationCache?.values() ?? []) hs.forEach((h) => h.dispose());
  optimizer.dispose();
  return {
    curve,
    bestEpoch: early && best.weights !== null ? best.epoch : curve.length,
    epochsTrained: curve.length,
  };
}

function validationScore(
  tf: typeof Tf,
  column: Column,
  split: Split,
  cache: ReadonlyMap<string, Tensor2D[]>,
  metric: "uar" | "accuracy" | "loss",
): number {
  const classes = column.head.bias.shape[0] ?? 0;
  if (metric === "loss") {
    return tf.tidy(() => {
      const logits = column.forward(split.x, cache, false).logits;
      const y = tf.oneHot(tf.tensor1d(split.y, "int32"), classes);
      return tf.losses.softmaxCrossEntropy(y, logits).dataSync()[0] ?? 0;
    });
  }
  const m = metrics(split.y, predict(tf, column, split.x, cache), classes);
  return metric === "uar" ? m.uar : m.accuracy;
}
