/**
 * The results of a run, as `pnnc run` and every generated program write them (results.json): per
 * (repeat, fold, column) test metrics and learning curves, the forgetting table and a summary.
 * `npm run gen` generates results.schema.json from ResultsDocument; JSDoc tags are its limits.
 * In: finished column runs. Out: the summary rows (mean ± std of test UAR per column and variant).
 */
import type { RunWarning } from "./run-warnings.js";
import type { Metrics, Unit } from "./metrics.js";
import type { BackendName } from "./vocabulary.js";

/**
 * A 1-based count or position (repeat, fold, epoch, number of runs).
 * @asType integer
 * @minimum 1
 */
export type Ordinal = number;

/** One epoch of a learning curve (train.ts's CurvePoint), with the limits results.json keeps. */
export interface CurveRecord {
  epoch: Ordinal;
  loss: number;
  validation: number | null;
}

export interface ColumnRun {
  repeat: Ordinal;
  fold: Ordinal;
  stage: string;
  column: string;
  task: string;
  /** The `train_folds` variant (null: all training folds). */
  trainFolds: Ordinal | null;
  test: Metrics;
  epochsTrained: Ordinal;
  bestEpoch: Ordinal;
  curve: CurveRecord[];
}

export interface Forgetting {
  repeat: Ordinal;
  fold: Ordinal;
  column: string;
  /**
   * null: the column itself, re-evaluated (frozen, so the change must be exactly 0). Otherwise the
   * PT/FT column fine-tuned from it: its body with this column's saved head, on this column's task.
   */
  via: string | null;
  afterStage: string;
  uarBefore: Unit;
  uarAfter: Unit;
  /**
   * @minimum -1
   * @maximum 1
   */
  change: number;
}

export interface SummaryRow {
  column: string;
  task: string;
  trainFolds: Ordinal | null;
  runs: Ordinal;
  uarMean: Unit;
  /** @minimum 0 */
  uarStd: number;
  accuracyMean: Unit;
}

/** The results of one (repeat, fold) run: what a resumed run can skip. */
export interface RunRecord {
  runs: ColumnRun[];
  forgetting: Forgetting[];
}

/**
 * A count of rows or columns.
 * @asType integer
 * @minimum 0
 */
export type RowCount = number;

/** What a run trained and tested on: one dataset's rows, features, groups and classes. */
export interface DatasetFacts {
  id: string;
  file: string;
  /** Rows used, after the loading policies. */
  rows: RowCount;
  features: RowCount;
  featureNames: string[];
  /** Distinct values of the group column (speakers); null without one. */
  groups: RowCount | null;
  /** Rows per class, per task labelled in this dataset. */
  classes: Record<string, Record<string, RowCount>>;
  excluded: RowCount;
  missingDropped: RowCount;
  missingImputed: RowCount;
  duplicatesDropped: RowCount;
}

export interface RunResults extends RunRecord {
  summary: SummaryRow[];
  /** The datasets the run read, as loaded. */
  data?: DatasetFacts[];
  /** Class names per task, in the order of the metrics' class indices. */
  classes?: Record<string, string[]>;
  /** What the runs say about their own training: cut short, stopped while rising, near chance. */
  warnings?: RunWarning[];
}

/** A (repeat, fold) run left out because its training diverged (`--keep-going`). */
export interface FailedRun {
  repeat: Ordinal;
  fold: Ordinal;
  /** The comparison's method whose training diverged (the run is left out for every method). */
  method?: string;
  /** The divergence: run, stage, column, epoch and loss. */
  message: string;
  /** What to change (the learning rate it had). */
  hint?: string;
}

/**
 * results.json: a run's results and what produced them.
 * @title pnnc run results, version 1
 */
export interface ResultsDocument extends RunResults {
  /** The version of pnnc that ran the spec or generated the program. */
  pnnc: string;
  /** The spec's name. */
  spec: string;
  /**
   * sha256 of the compiled spec and its data files' bytes.
   * @pattern ^[0-9a-f]{64}$
   */
  specHash: string;
  backend: BackendName;
  /**
   * Wall-clock time of the run.
   * @minimum 0
   */
  seconds: number;
  /** Runs left out because their training diverged; present only with `--keep-going`. */
  failedRuns?: FailedRun[];
}

export function summarize(runs: ColumnRun[]): SummaryRow[] {
  const groups = new Map<string, ColumnRun[]>();
  for (const r of runs) {
    const key = `${r.column}\u0000${r.trainFolds ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const uars = rs.map((r) => r.test.uar);
    const mean = uars.reduce((a, b) => a + b, 0) / uars.length;
    const variance =
      uars.length > 1 ? uars.reduce((a, b) => a + (b - mean) ** 2, 0) / (uars.length - 1) : 0;
    const first = rs[0];
    return {
      column: first?.column ?? "",
      task: first?.task ?? "",
      trainFolds: first?.trainFolds ?? null,
      runs: rs.length,
      uarMean: mean,
      uarStd: Math.sqrt(variance),
      accuracyMean: rs.reduce((a, r) => a + r.test.accuracy, 0) / rs.length,
    };
  });
}
