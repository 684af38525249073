/**
 * The results of a run, as `pnnc run` and every generated program write them (results.json): per
 * (repeat, fold, column) test metrics and learning curves, the forgetting table and a summary.
 * In: finished column runs. Out: the summary rows (mean ± std of test UAR per column and variant).
 */
import type { Metrics } from "./metrics.js";
import type { CurvePoint } from "./train.js";

export interface ColumnRun {
  repeat: number;
  fold: number;
  stage: string;
  column: string;
  task: string;
  /** The `train_folds` variant (null: all training folds). */
  trainFolds: number | null;
  test: Metrics;
  epochsTrained: number;
  bestEpoch: number;
  curve: CurvePoint[];
}

export interface Forgetting {
  repeat: number;
  fold: number;
  column: string;
  /**
   * null: the column itself, re-evaluated (frozen, so the change must be exactly 0). Otherwise the
   * PT/FT column fine-tuned from it: its body with this column's saved head, on this column's task.
   */
  via: string | null;
  afterStage: string;
  uarBefore: number;
  uarAfter: number;
  change: number;
}

export interface SummaryRow {
  column: string;
  task: string;
  trainFolds: number | null;
  runs: number;
  uarMean: number;
  uarStd: number;
  accuracyMean: number;
}

/** The results of one (repeat, fold) run: what a resumed run can skip. */
export interface RunRecord {
  runs: ColumnRun[];
  forgetting: Forgetting[];
}

export interface RunResults extends RunRecord {
  summary: SummaryRow[];
  /** Class names per task, in the order of the metrics' class indices. */
  classes?: Record<string, string[]>;
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
