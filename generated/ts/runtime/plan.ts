/**
 * What the experiment driver runs, and on what: a Plan (tasks, columns that know how to build
 * themselves, stages in order) and the loaded rows and folds of every dataset it names.
 * In: nothing (types only). Out: the Plan, ExperimentData and RunIndex the driver's modules share.
 */
import type * as Tf from "@tensorflow/tfjs";
import type { Column, LayerRef } from "./column.js";
import type { DatasetSplits } from "./folds.js";
import type { NormalizeMode } from "./normalize.js";
import type { TrainingStage } from "./train.js";

/** Builds a column; `initFrom` overrides the column's own `init from` source (PT/FT forgetting). */
export type ColumnBuilder<C extends Column> = (
  tf: typeof Tf,
  inputDim: number,
  classes: number,
  built: ReadonlyMap<string, C>,
  seed: number,
  initFrom?: string | null,
) => C;

export interface PlannedColumn<C extends Column> {
  task: string;
  /** PT/FT: the column whose hidden layers this one starts from. */
  init: string | null;
  build: ColumnBuilder<C>;
}

export interface PlannedStage {
  id: string;
  train: string[];
  /** Layers of a trained column that this stage keeps fixed (`freeze [emotion.h1]`). */
  frozenLayers: ReadonlyMap<string, readonly LayerRef[]>;
  settings: TrainingStage;
  /** How many training folds to use (a sweep when several); null means all. */
  trainFolds: number[] | null;
}

export interface Plan<C extends Column> {
  repeats: number;
  /**
   * Content keys of the columns (what determines their weights, see pnnc's column-key.ts). When
   * several methods run together, columns with equal keys are trained once per run and shared.
   */
  keys?: ReadonlyMap<string, string>;
  tasks: ReadonlyMap<string, { dataset: string; normalize: NormalizeMode }>;
  columns: ReadonlyMap<string, PlannedColumn<C>>;
  stages: PlannedStage[];
}

export interface DatasetRows {
  dims: number;
  /** rows × dims, raw features, row-major; NaN marks a value `missing mean` imputes. */
  x: Float32Array;
  groups: readonly string[] | null;
  tasks: ReadonlyMap<string, { classes: string[]; y: Int32Array }>;
  /** What loading read and left out; results.json's data section reports it. */
  accounting?: RowAccounting;
}

/** A dataset's file, its feature names, and how many of its rows each loading policy removed. */
export interface RowAccounting {
  file: string;
  featureNames: string[];
  /** Rows left out by `exclude`. */
  excluded: number;
  /** Rows with a missing feature value: dropped under `missing drop`, imputed under `missing mean`. */
  missingDropped: number;
  missingImputed: number;
  /** Rows whose features repeat an earlier row's, dropped under `duplicates drop`. */
  duplicatesDropped: number;
}

export interface ExperimentData {
  datasets: ReadonlyMap<string, DatasetRows>;
  splits: ReadonlyMap<string, DatasetSplits>;
}

/**
 * One (repeat, fold) run, 0-based: fold `fold` tests. Records, stores and messages number them
 * from 1; seeds and fold tables index them from 0.
 */
export interface RunIndex {
  repeat: number;
  fold: number;
}
