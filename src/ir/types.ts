/**
 * The IR: a spec as plain JSON with every default resolved, `repeat` expanded and references checked.
 * In: produced by lower.ts and validated against pnn-ir.schema.json. Out: read by the checker, the
 * engines and codegen. Spans live in a separate SpanIndex, so the IR is unchanged by whitespace or comments.
 */
import type {
  Activation,
  CountedFoldKind,
  EarlyStoppingMetric,
  FoldKind,
  HeadActivation,
  Metric,
  MissingPolicy,
  NormalizeMode,
  OptimizerName,
  TableFormat,
} from "../runtime/vocabulary.js";

export type { Activation, Metric } from "../runtime/vocabulary.js";

export const IR_VERSION = 1;

/** A hidden layer by 1-based index (`h2` is 2), or the output layer. */
export type LayerRef = number | "head";

export interface Ir {
  irVersion: typeof IR_VERSION;
  language: number;
  name: string;
  datasets: DatasetIr[];
  tasks: TaskIr[];
  columns: ColumnIr[];
  stages: StageIr[];
  evaluation: EvaluationIr;
}

export interface DatasetIr {
  id: string;
  /** As written in the spec: relative paths are relative to the spec file. */
  file: string;
  format: TableFormat;
  features: FeatureSelection;
  group: string | null;
  normalize: NormalizeMode;
  missing: MissingPolicy;
  exclude: { column: string; values: string[] }[];
}

export type FeatureSelection =
  { kind: "numeric"; except: string[] } | { kind: "columns"; items: FeatureItem[] };

export type FeatureItem = { column: string } | { from: string; to: string };

export interface TaskIr {
  id: string;
  dataset: string;
  label: string;
  /** Classes in output order; null means the sorted distinct labels found in the data. */
  classes: string[] | null;
  merge: { from: string; to: string }[];
  drop: string[];
}

export interface DenseLayerIr {
  kind: "dense";
  units: number;
  activation: Activation;
  dropout: number;
}

export interface HeadIr {
  /** Declared output width, checked against the class count; null when left implicit. */
  units: number | null;
  activation: HeadActivation;
}

/**
 * A lateral link: target layer i of this column reads layer i-1 of every source column (Rusu Eq. 1/2);
 * `head` reads each source's last hidden layer.
 */
export type LateralIr =
  | { kind: "linear"; from: string[]; into: LayerRef[] }
  | {
      kind: "adapter";
      from: string[];
      into: LayerRef[];
      width: number;
      alpha: number;
      activation: Activation;
    };

export interface ColumnIr {
  id: string;
  task: string;
  layers: DenseLayerIr[];
  head: HeadIr;
  /** PT/FT: copy this trained column's hidden layers, then train everything with a new head. */
  init: string | null;
  laterals: LateralIr[];
}

export interface OptimizerIr {
  name: OptimizerName;
  learningRate: number;
  momentum: number;
}

export interface EarlyStoppingIr {
  metric: EarlyStoppingMetric;
  patience: number;
  minDelta: number;
}

/** A frozen column (layer null) or one frozen layer of a column. */
export interface FreezeIr {
  column: string;
  layer: LayerRef | null;
}

export interface StageIr {
  id: string;
  train: string[];
  freeze: FreezeIr[];
  optimizer: OptimizerIr;
  batchSize: number;
  epochs: number;
  earlyStopping: EarlyStoppingIr | null;
  seed: number;
  /** How many of the available training folds to use (a sweep when several); null means all. */
  trainFolds: number[] | null;
}

export type FoldsIr =
  { kind: CountedFoldKind; k: number } | { kind: Exclude<FoldKind, CountedFoldKind> };

export interface EvaluationIr {
  folds: FoldsIr;
  repeats: number;
  /** Seeds the fold shuffles (repeat r uses a seed derived from it), independent of training seeds. */
  seed: number;
  validationFolds: number;
  metrics: Metric[];
  compare: string[];
  baseline: string | null;
}
