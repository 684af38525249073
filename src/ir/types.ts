/**
 * The IR: a spec as plain JSON with every default resolved, `repeat` expanded and references checked.
 * In: produced by lower.ts and validated against pnn-ir.schema.json, which `npm run gen` generates
 * from these types (their JSDoc tags are the schema's limits). Out: read by the checker, the engines
 * and codegen. Spans live in a separate SpanIndex, so the IR is unchanged by whitespace or comments.
 */
import type { COUNTED_FOLD_KINDS, METRICS } from "../runtime/vocabulary.js";
import type {
  Activation,
  CountedFoldKind,
  EarlyStoppingMetric,
  FoldKind,
  HeadActivation,
  DuplicatePolicy,
  MissingPolicy,
  NormalizeMode,
  OptimizerName,
  PatternKind,
  TableFormat,
} from "../runtime/vocabulary.js";

export type { Activation, Metric } from "../runtime/vocabulary.js";

export const IR_VERSION = 1;

/**
 * A declared name.
 * @pattern ^[A-Za-z_][A-Za-z0-9_]*$
 */
export type Id = string;

/**
 * A name the spec refers to (a file, a data column, a class, a declaration).
 * @minLength 1
 * @maxLength 4096
 */
export type Text = string;

/**
 * @maxItems 100000
 * @uniqueItems
 */
export type TextList = Text[];

/**
 * A layer's or an adapter's width.
 * @asType integer
 * @minimum 1
 * @maximum 65536
 */
export type Width = number;

/**
 * Seeds the shuffles that depend on it (32 bits).
 * @asType integer
 * @minimum 0
 * @maximum 4294967295
 */
export type Seed = number;

/**
 * A hidden layer by 1-based index (`h2` is 2).
 * @asType integer
 * @minimum 1
 * @maximum 10000
 */
export type LayerIndex = number;

/** A hidden layer by 1-based index (`h2` is 2), or the output layer. */
export type LayerRef = LayerIndex | "head";

/**
 * A checked .pnn spec: plain JSON, every default resolved, repeat expanded. Ranges here are the
 * language's limits on hyper-parameters.
 * @title pnnc IR, version 1
 */
export interface Ir {
  irVersion: typeof IR_VERSION;
  /**
   * @asType integer
   * @minimum 1
   * @maximum 1000
   */
  language: number;
  name: Id;
  /** @maxItems 10000 */
  datasets: DatasetIr[];
  /** @maxItems 10000 */
  tasks: TaskIr[];
  /** @maxItems 100000 */
  columns: ColumnIr[];
  /** @maxItems 100000 */
  stages: StageIr[];
  evaluation: EvaluationIr;
}

export interface DatasetIr {
  id: Id;
  /** As written in the spec: relative paths are relative to the spec file. */
  file: Text;
  format: TableFormat;
  features: FeatureSelection;
  group: Text | null;
  normalize: NormalizeMode;
  missing: MissingPolicy;
  /**
   * Absent means `warn`, the default: left out of the IR so that specs written before the setting
   * existed keep their run hashes, and their stored runs stay valid.
   */
  duplicates?: DuplicatePolicy;
  exclude: ExcludeIr[];
  /**
   * Text columns computed before any row is excluded or labelled, in order: each may read the
   * table's columns and those derived before it. Absent when there are none, so that specs written
   * before derivations existed keep their run hashes.
   * @minItems 1
   * @maxItems 1000
   */
  derive?: DerivationIr[];
}

/**
 * One derivation of a dataset block: named fields of a file-name column (`fields`), a column whose
 * values are another's through a code table (`derive`), or a metadata table's columns (`join`).
 * `preset` statements are expanded into these while lowering.
 * @discriminator kind
 */
export type DerivationIr = FieldsIr | MapIr | JoinIr;

/** `fields COLUMN "TEMPLATE"` or `fields COLUMN regex "RE"`. */
export interface FieldsIr {
  kind: "fields";
  /** The column holding a path or a file name; only the part after the last `/` or `\` is matched. */
  column: Text;
  /**
   * `template`: literal text with `{name}` placeholders, each matching one or more characters up to
   * the text that follows it; `regex`: a JavaScript regular expression with named groups.
   */
  pattern: { kind: PatternKind; source: Text };
  /**
   * The columns it makes: the template's placeholders or the regex's named groups, in order.
   * @minItems 1
   * @maxItems 100
   * @uniqueItems
   */
  fields: Text[];
}

/** `derive NAME from COLUMN [parity] [code -> value, …]`. */
export interface MapIr {
  kind: "map";
  name: Text;
  from: Text;
  /** The source holds whole numbers, mapped by parity: the keys are exactly `odd` and `even`. */
  parity: boolean;
  /**
   * @minItems 1
   * @maxItems 100000
   */
  map: { from: Text; to: Text }[];
}

/** `join FILE on COLUMN [= KEY] [take [...]]`: each row's `on` value must match one row's `key`. */
export interface JoinIr {
  kind: "join";
  /** As written in the spec: relative paths are relative to the spec file. */
  file: Text;
  format: TableFormat;
  on: Text;
  key: Text;
  /** The joined table's columns brought in; null: all of them but the key. */
  take: TextList | null;
}

/** Rows whose `column` holds one of `values` are left out. */
export interface ExcludeIr {
  column: Text;
  /**
   * @minItems 1
   * @maxItems 100000
   * @uniqueItems
   */
  values: Text[];
}

/** @discriminator kind */
export type FeatureSelection =
  | { kind: "numeric"; except: TextList }
  | {
      kind: "columns";
      /**
       * @minItems 1
       * @maxItems 100000
       */
      items: FeatureItem[];
    };

export type FeatureItem = { column: Text } | { from: Text; to: Text };

export interface TaskIr {
  id: Id;
  dataset: Text;
  label: Text;
  /** Classes in output order; null means the sorted distinct labels found in the data. */
  classes: ClassList | null;
  merge: { from: Text; to: Text }[];
  drop: TextList;
}

/**
 * @minItems 2
 * @maxItems 100000
 * @uniqueItems
 */
export type ClassList = Text[];

export interface DenseLayerIr {
  kind: "dense";
  units: Width;
  activation: Activation;
  /**
   * @minimum 0
   * @exclusiveMaximum 1
   */
  dropout: number;
}

export interface HeadIr {
  /** Declared output width, checked against the class count; null when left implicit. */
  units: Width | null;
  activation: HeadActivation;
}

/**
 * A lateral link: target layer i of this column reads layer i-1 of every source column (Rusu Eq. 1/2);
 * `head` reads each source's last hidden layer.
 * @discriminator kind
 */
export type LateralIr =
  | { kind: "linear"; from: LateralSources; into: LateralTargets }
  | {
      kind: "adapter";
      from: LateralSources;
      into: LateralTargets;
      width: Width;
      /**
       * @exclusiveMinimum 0
       * @maximum 100
       */
      alpha: number;
      activation: Activation;
    };

/**
 * @minItems 1
 * @maxItems 10000
 * @uniqueItems
 */
export type LateralSources = Id[];

/**
 * @minItems 1
 * @maxItems 10001
 * @uniqueItems
 */
export type LateralTargets = LayerRef[];

export interface ColumnIr {
  id: Id;
  task: Text;
  /** @maxItems 10000 */
  layers: DenseLayerIr[];
  head: HeadIr;
  /** PT/FT: copy this trained column's hidden layers, then train everything with a new head. */
  init: Text | null;
  laterals: LateralIr[];
}

export interface OptimizerIr {
  name: OptimizerName;
  /**
   * @exclusiveMinimum 0
   * @maximum 10
   */
  learningRate: number;
  /**
   * @minimum 0
   * @exclusiveMaximum 1
   */
  momentum: number;
}

/**
 * Which epoch's weights a stage keeps: the best on the validation folds by `metric`. With a patience,
 * training stops after that many epochs without an improvement (`early_stopping`); with `patience`
 * null it runs the whole epoch budget (`best_epoch`). Either way a later epoch must beat the best by
 * more than `minDelta` to replace it, so ties keep the earliest epoch.
 */
export interface EarlyStoppingIr {
  metric: EarlyStoppingMetric;
  /** Null: never stop early (`best_epoch`). */
  patience: Patience | null;
  /**
   * @minimum 0
   * @maximum 1
   */
  minDelta: number;
}

/**
 * @asType integer
 * @minimum 1
 * @maximum 1000000
 */
export type Patience = number;

/** A frozen column (layer null) or one frozen layer of a column. */
export interface FreezeIr {
  column: Text;
  layer: LayerRef | null;
}

export interface StageIr {
  id: Id;
  /**
   * @minItems 1
   * @maxItems 100000
   * @uniqueItems
   */
  train: Text[];
  freeze: FreezeIr[];
  optimizer: OptimizerIr;
  /**
   * @asType integer
   * @minimum 1
   * @maximum 1048576
   */
  batchSize: number;
  /**
   * @asType integer
   * @minimum 1
   * @maximum 1000000
   */
  epochs: number;
  /** How the kept epoch is chosen; null keeps the last epoch. */
  earlyStopping: EarlyStoppingIr | null;
  seed: Seed;
  /** How many of the available training folds to use (a sweep when several); null means all. */
  trainFolds: TrainFoldCounts | null;
}

/**
 * @minItems 1
 * @maxItems 1000
 * @uniqueItems
 */
export type TrainFoldCounts = TrainFoldCount[];

// Not exported, so the schema writes it inline: ajv then checks `uniqueItems` by value and reports
// the first of two equal items, as PNN2004 always has (behind a `$ref` it would report the second).
/**
 * @asType integer
 * @minimum 1
 * @maximum 1000
 */
type TrainFoldCount = number;

// `kind` is the word list's element type, not the CountedFoldKind alias: ajv's discriminator needs
// the words inline, not behind a `$ref`.
/** @discriminator kind */
export type FoldsIr =
  | {
      kind: (typeof COUNTED_FOLD_KINDS)[number];
      /**
       * @asType integer
       * @minimum 2
       * @maximum 1000
       */
      k: number;
    }
  | { kind: Exclude<FoldKind, CountedFoldKind> };

export interface EvaluationIr {
  folds: FoldsIr;
  /**
   * @asType integer
   * @minimum 1
   * @maximum 1000
   */
  repeats: number;
  /** Seeds the fold shuffles (repeat r uses a seed derived from it), independent of training seeds. */
  seed: Seed;
  /**
   * @asType integer
   * @minimum 0
   * @maximum 999
   */
  validationFolds: number;
  // Metric's words inline rather than a `$ref` (see TrainFoldCount): a repeated metric is reported
  // at its first occurrence.
  /**
   * The test-fold metrics to report.
   * @minItems 1
   * @uniqueItems
   */
  metrics: (typeof METRICS)[number][];
  compare: TextList;
  baseline: Text | null;
}
