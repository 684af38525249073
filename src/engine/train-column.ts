/**
 * Trains one column for one stage: seeded shuffles and dropout, the stage's optimizer, per-epoch
 * training loss and validation metric (the learning curve), early stopping with patience that
 * restores the best epoch's weights. Frozen source columns never run in training mode: their hidden
 * activations are computed once per split (the frozen-activation cache) and gathered per batch.
 * In: the column, its frozen sources, normalised train/validation splits, the stage. Out: the curve.
 */
import type * as Tf from "@tensorflow/tfjs";
import type { LayerRef, StageIr } from "../ir/types.js";
import { hashSeed, Prng } from "../data/prng.js";
import type { ColumnModel } from "./column-model.js";
import { metrics } from "./metrics.js";

type Tensor2D = Tf.Tensor2D;

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
  column: ColumnModel,
  models: ReadonlyMap<string, ColumnModel>,
  x: Tensor2D,
): Map<string, Tensor2D[]> {
  const out = new Map<string, Tensor2D[]>();
  const visit = (model: ColumnModel) => {
    for (const link of model.links) {
      for (const id of link.sources) {
        if (out.has(id)) continue;
        const source = models.get(id);
        if (!source) throw new Error(`internal: no model for source column \`${id}\``);
        visit(source);
        out.set(
          id,
          tf.tidy(() => source.forward(x, out, false).hidden),
        );
      }
    }
  };
  visit(column);
  return out;
}

function optimizerFor(tf: typeof Tf, stage: StageIr): Tf.Optimizer {
  const { name, learningRate, momentum } = stage.optimizer;
  if (name === "adam") return tf.train.adam(learningRate);
  if (name === "rmsprop") return tf.train.rmsprop(learningRate, 0.9, momentum);
  return momentum > 0 ? tf.train.momentum(learningRate, momentum) : tf.train.sgd(learningRate);
}

/** Class indices predicted for `x` (inference mode). */
export function predict(
  tf: typeof Tf,
  column: ColumnModel,
  x: Tensor2D,
  hidden: ReadonlyMap<string, Tensor2D[]>,
): Int32Array {
  return tf
    .tidy(() => tf.argMax(column.forward(x, hidden, false).logits, 1).dataSync() as Int32Array)
    .slice();
}

function gatherAll(
  tf: typeof Tf,
  cache: ReadonlyMap<string, Tensor2D[]>,
  idx: Tf.Tensor1D,
): Map<string, Tensor2D[]> {
  return new Map([...cache].map(([id, hs]) => [id, hs.map((h) => tf.gather(h, idx) as Tensor2D)]));
}

export function trainColumn(
  tf: typeof Tf,
  column: ColumnModel,
  models: ReadonlyMap<string, ColumnModel>,
  data: { train: Split; validation: Split | null },
  stage: StageIr,
  frozenLayers: ReadonlySet<LayerRef> = new Set(),
): TrainResult {
  const classes = column.head.bias.shape[0] ?? 0;
  const trainCache = sourceActivations(tf, column, models, data.train.x);
  const validationCache = data.validation
    ? sourceActivations(tf, column, models, data.validation.x)
    : null;
  const optimizer = optimizerFor(tf, stage);
  const varList = column.trainable(frozenLayers);
  const yTrain = tf.tensor1d(data.train.y, "int32");
  const n = data.train.y.length;
  const early = stage.earlyStopping;
  const better = (a: number, b: number) =>
    early?.metric === "loss" ? a < b - early.minDelta : a > b + (early?.minDelta ?? 0);
  let best = { score: Number.NaN, epoch: 0, weights: null as Tf.Tensor[] | null };
  let waited = 0;
  const curve: CurvePoint[] = [];
  let step = 0;
  for (let epoch = 1; epoch <= stage.epochs; epoch++) {
    const order = new Prng(hashSeed(stage.seed, column.ir.id, epoch)).shuffle(
      Array.from({ length: n }, (_, i) => i),
    );
    let lossSum = tf.scalar(0);
    for (let start = 0; start < n; start += stage.batchSize) {
      const rows = order.slice(start, start + stage.batchSize);
      const seed = hashSeed(stage.seed, "dropout", step++);
      const cost: Tf.Scalar = tf.tidy(() => {
        const idx = tf.tensor1d(rows, "int32");
        const xb = tf.gather(data.train.x, idx) as Tensor2D;
        const yb = tf.oneHot(tf.gather(yTrain, idx) as Tf.Tensor1D, classes);
        const hidden = gatherAll(tf, trainCache, idx);
        return (
          optimizer.minimize(
            () =>
              tf.mul(
                tf.losses.softmaxCrossEntropy(yb, column.forward(xb, hidden, true, seed).logits),
                rows.length,
              ) as Tf.Scalar,
            true,
            varList,
          ) ?? tf.scalar(0)
        );
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
  for (const hs of [...trainCache.values(), ...(validationCache?.values() ?? [])])
    hs.forEach((h) => h.dispose());
  yTrain.dispose();
  optimizer.dispose();
  return {
    curve,
    bestEpoch: early && best.weights !== null ? best.epoch : curve.length,
    epochsTrained: curve.length,
  };
}

function validationScore(
  tf: typeof Tf,
  column: ColumnModel,
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
