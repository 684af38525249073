/**
 * Trains one column for one stage: seeded shuffles and dropout, the stage's optimizer, per-epoch
 * training loss and validation metric (the learning curve), and the kept epoch: early stopping with
 * patience, or the best epoch over the whole budget (patience null), restoring that epoch's weights. Frozen source columns never run in training mode: their hidden
 * activations are computed once per split (the frozen-activation cache) and gathered per batch.
 * In: the column, its frozen sources, normalised train/validation splits, the stage. Out: the curve.
 */
import type * as Tf from "@tensorflow/tfjs";
import type { Column, LayerRef, Tensor2D } from "./column.js";
import { recordForward } from "./backward.js";
import { adamOptimizer, fusedAdamPays, type StepOptimizer } from "./fused-adam.js";
import { hashSeed, Prng } from "./prng.js";
import { metrics } from "./metrics.js";
import type { CurveRecord } from "./results.js";
import type { EarlyStoppingMetric, OptimizerName } from "./vocabulary.js";

/** A training stage's settings (the IR's StageIr, minus what only the driver needs). */
export interface TrainingStage {
  optimizer: { name: OptimizerName; learningRate: number; momentum: number };
  batchSize: number;
  epochs: number;
  /** Patience null: train every epoch, then keep the best one (`best_epoch`). */
  earlyStopping: { metric: EarlyStoppingMetric; patience: number | null; minDelta: number } | null;
  seed: number;
}

export interface Split {
  x: Tensor2D;
  y: Int32Array;
}

/** One epoch of a learning curve, as results.json records it. */
export type CurvePoint = CurveRecord;

export interface TrainResult {
  curve: CurvePoint[];
  bestEpoch: number;
  epochsTrained: number;
  /** Whether every step's gradients were taken in closed form (backward.ts), not by the tape. */
  closedForm: boolean;
}

/**
 * A column's training loss became NaN or infinite: a problem of the spec or its data (a learning
 * rate too high, extreme features), not a bug, so callers report it rather than crash. `during`
 * adds where it happened (the run and stage), which the trainer does not know.
 */
export class TrainingDiverged extends Error {
  readonly hint: string;

  constructor(
    readonly column: string,
    readonly epoch: number,
    readonly loss: number,
    readonly learningRate: number,
    readonly where = "",
  ) {
    super(
      `${where}the training loss of column \`${column}\` became ${loss} in epoch ${epoch}; the run stops`,
    );
    this.name = "TrainingDiverged";
    this.hint = `lower the stage's \`learning_rate\` (now ${learningRate}), or look for extreme feature values`;
  }

  during(where: string): TrainingDiverged {
    return new TrainingDiverged(this.column, this.epoch, this.loss, this.learningRate, where);
  }
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

function optimizerFor(tf: typeof Tf, stage: TrainingStage, fused: boolean): StepOptimizer {
  const { name, learningRate, momentum } = stage.optimizer;
  if (name === "adam") return fused ? adamOptimizer(tf, learningRate) : tf.train.adam(learningRate);
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
  /**
   * Adam as one kernel per variable (fused-adam.ts) or as tf.train.adam: bit-identical weights
   * either way. The default is the fused kernel where it is the faster (fusedAdamPays).
   */
  fusedOptimizer?: boolean;
  /**
   * Gradients in closed form from the forward building blocks (backward.ts; default) or from tfjs's
   * tape: bit-identical either way. A column whose forward pass the closed form cannot see whole
   * falls back to the tape by itself.
   */
  closedFormBackward?: boolean;
}

/**
 * Trains `column` in place and leaves it at its best validation epoch (the last epoch without early
 * stopping or best-epoch selection): `epochs` passes over the shuffled training rows (fewer when
 * patience runs out), each scored on the validation split.
 * Throws TrainingDiverged when an epoch's loss is not finite.
 */
export function trainColumn(
  tf: typeof Tf,
  column: Column,
  models: ReadonlyMap<string, Column>,
  data: { train: Split; validation: Split | null },
  stage: TrainingStage,
  opts: TrainOptions = {},
): TrainResult {
  const trainer = startTraining(tf, column, models, data, stage, opts);
  const early = stage.earlyStopping;
  const best = noBestYet();
  const curve: CurvePoint[] = [];
  for (let epoch = 1; epoch <= stage.epochs; epoch++) {
    const loss = trainEpoch(trainer, epoch);
    if (!Number.isFinite(loss)) {
      // A NaN loss poisons every later epoch and leaves a model that predicts one class: stop.
      best.weights?.forEach((w) => w.dispose());
      finishTraining(trainer);
      throw new TrainingDiverged(column.id, epoch, loss, stage.optimizer.learningRate);
    }
    const score = validate(trainer, early?.metric ?? "uar");
    curve.push({ epoch, loss, validation: score });
    if (!early || score === null) continue;
    if (keepIfBest(best, early, score, epoch, trainer.varList) === "stop") break;
  }
  restoreBest(best, trainer.varList);
  finishTraining(trainer);
  return {
    curve,
    bestEpoch: early && best.weights !== null ? best.epoch : curve.length,
    epochsTrained: curve.length,
    closedForm: trainer.closedForm,
  };
}

/** Everything one column's training reads, set up once before the first epoch. */
interface Trainer {
  tf: typeof Tf;
  column: Column;
  models: ReadonlyMap<string, Column>;
  stage: TrainingStage;
  classes: number;
  /** The training rows (and labels), copied off the backend once. */
  trainX: HostRows;
  trainY: Int32Array;
  /** Frozen sources' hidden activations on the training rows; empty unless `cacheFrozen`. */
  cachedRows: Map<string, HostRows[]>;
  cacheFrozen: boolean;
  validation: Split | null;
  /** Frozen sources' hidden activations on the validation rows, computed once. */
  validationCache: Map<string, Tensor2D[]> | null;
  optimizer: StepOptimizer;
  varList: Tf.Variable[];
  /** Batches trained so far, across epochs: each batch's dropout stream is seeded by it. */
  step: number;
  /** Take gradients in closed form (backward.ts) until a batch shows it cannot. */
  closedForm: boolean;
}

function startTraining(
  tf: typeof Tf,
  column: Column,
  models: ReadonlyMap<string, Column>,
  data: { train: Split; validation: Split | null },
  stage: TrainingStage,
  opts: TrainOptions,
): Trainer {
  const cacheFrozen = opts.cacheFrozen ?? true;
  // Batches are assembled in JavaScript from row-major copies: on the wasm backend, slicing or
  // gathering a large tensor reads all of it back every time, which cost more than the cache saved.
  const trainX = hostRows(data.train.x);
  const cachedRows = cacheFrozen
    ? frozenRows(tf, column, models, data.train.x)
    : new Map<string, HostRows[]>();
  const validationCache = data.validation
    ? sourceActivations(tf, column, models, data.validation.x)
    : null;
  return {
    tf,
    column,
    models,
    stage,
    classes: column.head.bias.shape[0] ?? 0,
    trainX,
    trainY: data.train.y,
    cachedRows,
    cacheFrozen,
    validation: data.validation,
    validationCache,
    optimizer: optimizerFor(tf, stage, opts.fusedOptimizer ?? fusedAdamPays(tf)),
    varList: column.trainable(opts.frozenLayers ?? new Set<LayerRef>()),
    step: 0,
    closedForm: opts.closedFormBackward ?? true,
  };
}

/** The frozen sources' hidden activations on `x`, as host copies (the frozen-activation cache). */
function frozenRows(
  tf: typeof Tf,
  column: Column,
  models: ReadonlyMap<string, Column>,
  x: Tensor2D,
): Map<string, HostRows[]> {
  const cache = sourceActivations(tf, column, models, x);
  const rows = new Map<string, HostRows[]>();
  for (const [id, hs] of cache) rows.set(id, hs.map(hostRows));
  for (const hs of cache.values()) tf.dispose(hs);
  return rows;
}

function finishTraining(t: Trainer): void {
  for (const hs of t.validationCache?.values() ?? []) hs.forEach((h) => h.dispose());
  t.optimizer.dispose();
}

/** One pass over the training rows in this epoch's seeded order; returns the epoch's mean loss. */
function trainEpoch(t: Trainer, epoch: number): number {
  const { tf, stage } = t;
  const n = t.trainY.length;
  const order = new Prng(hashSeed(stage.seed, t.column.id, epoch)).shuffle(
    Array.from({ length: n }, (_, i) => i),
  );
  // The sum stays on the backend until the epoch ends: reading it per batch would stall each step.
  let lossSum = tf.scalar(0);
  for (let start = 0; start < n; start += stage.batchSize) {
    const rows = order.slice(start, start + stage.batchSize);
    const cost = trainBatch(t, rows, hashSeed(stage.seed, "dropout", t.step++));
    const next = tf.add(lossSum, cost) as Tf.Scalar;
    lossSum.dispose();
    cost.dispose();
    lossSum = next;
  }
  const loss = (lossSum.dataSync()[0] ?? 0) / n;
  lossSum.dispose();
  return loss;
}

/** One optimizer step on the given training rows; returns the batch's summed loss. */
function trainBatch(t: Trainer, rows: readonly number[], dropoutSeed: number): Tf.Scalar {
  const { tf, column } = t;
  return tf.tidy(() => {
    const xb = batchOf(tf, t.trainX, rows);
    const yb = tf.oneHot(
      tf.tensor1d(
        Int32Array.from(rows, (r) => t.trainY[r] ?? 0),
        "int32",
      ),
      t.classes,
    );
    const hidden = t.cacheFrozen
      ? new Map([...t.cachedRows].map(([id, hs]) => [id, hs.map((h) => batchOf(tf, h, rows))]))
      : sourceActivations(tf, column, t.models, xb);
    const forward = () => column.forward(xb, hidden, true, dropoutSeed).logits;
    // The optimizer sees the batch-mean loss (SGD's step must not scale with the batch size);
    // the curve adds up mean × rows to report the epoch's mean loss.
    const mean =
      (t.closedForm ? closedFormStep(t, forward, yb) : null) ??
      t.optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(yb, forward()) as Tf.Scalar,
        true,
        t.varList,
      );
    return tf.mul(mean ?? tf.scalar(0), rows.length) as Tf.Scalar;
  });
}

/**
 * The step with gradients in closed form: the forward pass noted on a tape (backward.ts), the loss
 * and its derivative as tf.losses.softmaxCrossEntropy and its registered gradient compute them,
 * then the optimizer. Returns the batch-mean loss; null, having changed nothing, when some
 * trainable variable got no gradient (the forward pass used an operation the tape cannot see), and
 * the trainer keeps to tfjs's tape from then on.
 */
function closedFormStep(t: Trainer, forward: () => Tf.Tensor, onehot: Tf.Tensor): Tf.Scalar | null {
  const { tf } = t;
  const { result: logits, tape } = recordForward(tf, t.varList, forward);
  const labels = tf.cast(onehot, "float32");
  const logResult = tf.sub(logits, tf.logSumExp(logits, [1], true));
  const perRow = tf.sum(tf.neg(tf.mul(logResult, labels)), [1]);
  const count = tf.scalar(perRow.size);
  const mean = tf.div(tf.sum(perRow), count) as Tf.Scalar;
  // d mean / d logits, step by step as RealDiv's, Sum's and the loss's custom gradients take it.
  const dSum = tf.div(tf.ones([]), count);
  const dRows = tf.mul(tf.reshape(dSum, [1]), tf.ones(perRow.shape));
  const dLogits = tf.mul(tf.reshape(dRows, [perRow.size, 1]), tf.sub(tf.exp(logResult), labels));
  const grads = tape.backward(logits, dLogits);
  const named = t.varList.map((v) => ({ name: v.name, tensor: grads.get(v.id) }));
  if (named.some((g) => !g.tensor)) {
    t.closedForm = false;
    return null;
  }
  t.optimizer.applyGradients(named as { name: string; tensor: Tf.Tensor }[]);
  return mean;
}

/** The epoch's validation score, or null without a validation split. */
function validate(t: Trainer, metric: EarlyStoppingMetric): number | null {
  return t.validation && t.validationCache
    ? validationScore(t.tf, t.column, t.validation, t.validationCache, metric)
    : null;
}

type EarlyStopping = NonNullable<TrainingStage["earlyStopping"]>;

/** The best epoch so far, with a copy of its weights, and how many epochs have not beaten it. */
interface Best {
  score: number;
  epoch: number;
  weights: Tf.Tensor[] | null;
  waited: number;
}

function noBestYet(): Best {
  return { score: Number.NaN, epoch: 0, weights: null, waited: 0 };
}

/**
 * Keeps this epoch's weights if it beats the best by more than `minDelta` (a tie keeps the earlier
 * epoch); "stop" once patience runs out, never without a patience.
 */
function keepIfBest(
  best: Best,
  early: EarlyStopping,
  score: number,
  epoch: number,
  varList: readonly Tf.Variable[],
): "stop" | "go" {
  const better =
    early.metric === "loss"
      ? score < best.score - early.minDelta
      : score > best.score + early.minDelta;
  if (Number.isNaN(best.score) || better) {
    best.weights?.forEach((w) => w.dispose());
    best.score = score;
    best.epoch = epoch;
    best.weights = varList.map((v) => v.clone());
    best.waited = 0;
    return "go";
  }
  return ++best.waited >= (early.patience ?? Infinity) ? "stop" : "go";
}

/** Puts the best epoch's weights back (nothing to do without a kept-epoch rule). */
function restoreBest(best: Best, varList: readonly Tf.Variable[]): void {
  if (best.weights) varList.forEach((v, i) => v.assign(best.weights?.[i] as Tf.Tensor));
  best.weights?.forEach((w) => w.dispose());
}

function validationScore(
  tf: typeof Tf,
  column: Column,
  split: Split,
  cache: ReadonlyMap<string, Tensor2D[]>,
  metric: EarlyStoppingMetric,
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
