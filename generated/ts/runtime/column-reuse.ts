/**
 * Where a run gets each column, cheapest first: the column another method trained in this run, the
 * one the column store kept (same content key, so the same weights), or a fresh training.
 * In: a planned column, its run's normalised splits, the stage. Out: the model, its ColumnRun and
 * how it was obtained. Keyed columns it trains or restores are shared with later methods; the ones
 * it trains are saved to the store.
 */
import type * as Tf from "@tensorflow/tfjs";
import type { Column } from "./column.js";
import type { PlannedColumn, PlannedStage, RunIndex } from "./plan.js";
import type { ColumnRun } from "./results.js";
import { evaluate, type TaskSplits } from "./task-splits.js";
import { trainColumn, TrainingDiverged, type TrainResult } from "./train.js";

/** A column as the column store keeps it: its run's metrics and its weights by variable. */
export interface CachedColumn {
  run: ColumnRun;
  weights: ReadonlyMap<string, Float32Array>;
}

/** Trained columns by content key and run: `load` gives what `save` kept, or null. */
export interface ColumnCache {
  load(key: string, repeat: number, fold: number): CachedColumn | null;
  /**
   * Before training a column the cache lacks, so concurrent commands sharing the cache train it
   * once: waits while another process trains it, then gives what that process saved, or null when
   * this process is to train it (and `release` it after saving).
   */
  claim?(key: string, repeat: number, fold: number): CachedColumn | null;
  release?(key: string, repeat: number, fold: number): void;
  save(
    key: string,
    repeat: number,
    fold: number,
    run: ColumnRun,
    variables: ReadonlyMap<string, Tf.Variable>,
  ): void;
}

/** A column trained in this run by an earlier method, reused by later ones. */
export interface SharedColumn<C extends Column> {
  model: C;
  run: ColumnRun;
  method: string;
}

/** What the lookup reads and writes: the run's shared columns, the column store, training mode. */
export interface ReuseContext<C extends Column> {
  tf: typeof Tf;
  /** Columns trained or restored in this run, by content key, for every method of the run. */
  shared: Map<string, SharedColumn<C>>;
  /** The method this column belongs to ("" when only one runs). */
  method: string;
  onShared: ((method: string, column: string, from: string) => void) | undefined;
  cacheFrozen: boolean;
  columns: ColumnCache | undefined;
}

/** One column for one run and `train_folds` variant. */
export interface ColumnRequest<C extends Column> {
  id: string;
  column: PlannedColumn<C>;
  stage: PlannedStage;
  splits: TaskSplits;
  /** Columns kept so far in this run: the new column's sources, and the PT/FT column's init. */
  models: ReadonlyMap<string, C>;
  at: RunIndex;
  variant: number | null;
  /** The content key; undefined when the column is never shared (no keys, or a dropped variant). */
  key: string | undefined;
  /** Classes of the column's task (the width of its head). */
  classes: number;
}

export interface ObtainedColumn<C extends Column> {
  model: C;
  run: ColumnRun;
  /** For the progress line: "12 epochs", "shared with dnn", "reused from the column store". */
  how: string;
}

/** The column asked for, from the cheapest place that has it (see the header). */
export function obtainColumn<C extends Column>(
  context: ReuseContext<C>,
  request: ColumnRequest<C>,
): ObtainedColumn<C> {
  const { key, at } = request;
  if (key === undefined) return trainFresh(context, request);
  const reused = context.shared.get(key);
  if (reused) return shareFromEarlierMethod(context, request, reused);
  const { columns } = context;
  const [repeat, fold] = [at.repeat + 1, at.fold + 1];
  const stored = columns?.load(key, repeat, fold) ?? columns?.claim?.(key, repeat, fold) ?? null;
  if (stored) return keepShared(context, key, restoreFromStore(context.tf, request, stored));
  try {
    const trained = keepShared(context, key, trainFresh(context, request));
    columns?.save(key, repeat, fold, trained.run, trained.model.variables());
    return trained;
  } finally {
    columns?.release?.(key, repeat, fold);
  }
}

function keepShared<C extends Column>(
  context: ReuseContext<C>,
  key: string,
  obtained: ObtainedColumn<C>,
): ObtainedColumn<C> {
  context.shared.set(key, { model: obtained.model, run: obtained.run, method: context.method });
  return obtained;
}

/** The seed a column's initial weights and training use in a run. */
function columnSeed(stage: PlannedStage, at: RunIndex): number {
  return stage.settings.seed + at.repeat * 1000 + at.fold;
}

function shareFromEarlierMethod<C extends Column>(
  context: ReuseContext<C>,
  request: ColumnRequest<C>,
  reused: SharedColumn<C>,
): ObtainedColumn<C> {
  context.onShared?.(context.method, request.id, reused.method);
  return {
    model: reused.model,
    run: { ...reused.run, stage: request.stage.id },
    how: `shared with ${reused.method}`,
  };
}

/** A column trained before, by this spec or another version of it: same key, same weights. */
function restoreFromStore<C extends Column>(
  tf: typeof Tf,
  request: ColumnRequest<C>,
  stored: CachedColumn,
): ObtainedColumn<C> {
  const { id, column, stage, splits, models, at, classes } = request;
  const model = column.build(tf, splits.train.x.shape[1], classes, models, columnSeed(stage, at));
  for (const [name, variable] of model.variables()) {
    const values = stored.weights.get(name);
    if (!values) throw new Error(`internal: stored column \`${id}\` lacks \`${name}\``);
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
  const run: ColumnRun = {
    ...stored.run,
    stage: stage.id,
    repeat: at.repeat + 1,
    fold: at.fold + 1,
    trainFolds: request.variant,
  };
  return { model, run, how: "reused from the column store" };
}

function trainFresh<C extends Column>(
  context: ReuseContext<C>,
  request: ColumnRequest<C>,
): ObtainedColumn<C> {
  const { tf } = context;
  const { id, column, stage, splits, models, at, classes } = request;
  const seed = columnSeed(stage, at);
  const model = column.build(tf, splits.train.x.shape[1], classes, models, seed);
  let trained: TrainResult;
  try {
    trained = trainColumn(
      tf,
      model,
      models,
      { train: splits.train, validation: splits.validation },
      { ...stage.settings, seed },
      {
        frozenLayers: new Set(stage.frozenLayers.get(id) ?? []),
        cacheFrozen: context.cacheFrozen,
      },
    );
  } catch (e) {
    if (!(e instanceof TrainingDiverged)) throw e;
    model.dispose();
    throw e.during(`repeat ${at.repeat + 1}, fold ${at.fold + 1}, stage \`${stage.id}\`: `);
  }
  const run: ColumnRun = {
    repeat: at.repeat + 1,
    fold: at.fold + 1,
    stage: stage.id,
    column: id,
    task: column.task,
    trainFolds: request.variant,
    test: evaluate(tf, model, models, splits.test),
    epochsTrained: trained.epochsTrained,
    bestEpoch: trained.bestEpoch,
    curve: trained.curve,
  };
  return { model, run, how: `${run.epochsTrained} epochs` };
}
