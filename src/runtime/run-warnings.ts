/**
 * Warnings a run's results carry about their own training: best epoch late in the budget in most
 * runs, early stopping while validation still rose, mean test UAR near chance.
 * In: the column runs, each stage's settings, each task's classes. Out: warnings, in column order.
 */
import type { ColumnRun, Ordinal } from "./results.js";
import type { TrainingStage } from "./train.js";
import type { RunWarningKind } from "./vocabulary.js";

export type { RunWarningKind };

export interface RunWarning {
  kind: RunWarningKind;
  stage: string;
  column: string;
  /** The `train_folds` variant (null: all training folds). */
  trainFolds: number | null;
  /** The runs of this column the warning holds for, and all of its runs. */
  runs: Ordinal;
  of: Ordinal;
  message: string;
}

/** The share of the budget whose last epochs count as "late": the last 10%. */
export const LATE_SHARE = 0.1;
/** A fitted rise, over the last half of the trained epochs, that counts as "still rising". */
export const RISING_BY = 0.02;
/** Mean test UAR below chance + this share of the way from chance to 1 counts as "near chance". */
export const NEAR_CHANCE_SHARE = 0.1;

export function runWarnings(
  runs: readonly ColumnRun[],
  stages: ReadonlyMap<string, TrainingStage>,
  classes: Readonly<Record<string, readonly string[]>>,
): RunWarning[] {
  const warnings: RunWarning[] = [];
  for (const group of byColumn(runs)) {
    const first = group[0];
    const settings = first && stages.get(first.stage);
    if (!first || !settings) continue;
    const where = {
      stage: first.stage,
      column: first.column,
      trainFolds: first.trainFolds,
      of: group.length,
    };
    const name = `column \`${first.column}\`${first.trainFolds === null ? "" : ` (${first.trainFolds} training folds)`}`;
    // Without early stopping or best_epoch the last epoch is kept by rule, not chosen: no signal.
    const chosen = settings.earlyStopping !== null;
    const late = group.filter((r) => r.bestEpoch > settings.epochs * (1 - LATE_SHARE)).length;
    if (chosen && late * 2 > group.length)
      warnings.push({
        kind: "late-best-epoch",
        ...where,
        runs: late,
        message: `${name}: the best validation epoch fell in the last ${LATE_SHARE * 100}% of the ${settings.epochs}-epoch budget in ${late} of ${group.length} runs; more epochs may help`,
      });
    const metric = settings.earlyStopping?.metric ?? "uar";
    const rises = group
      .filter((r) => r.epochsTrained < settings.epochs)
      .map((r) => lateRise(r, metric))
      .filter((rise): rise is number => rise !== null && rise > RISING_BY);
    if (rises.length * 2 > group.length)
      warnings.push({
        kind: "stopped-while-rising",
        ...where,
        runs: rises.length,
        message: `${name}: early stopping ended it while its validation ${metric} was still rising (by ${mean(rises).toFixed(3)} on average over the last half of its epochs) in ${rises.length} of ${group.length} runs; a longer patience or \`best_epoch\` may help`,
      });
    const k = classes[first.task]?.length ?? 0;
    if (k >= 2) {
      const chance = 1 / k;
      const uar = mean(group.map((r) => r.test.uar));
      if (uar < chance + NEAR_CHANCE_SHARE * (1 - chance))
        warnings.push({
          kind: "near-chance",
          ...where,
          runs: group.length,
          message: `${name}: mean test UAR ${uar.toFixed(3)} is near chance (${chance.toFixed(3)} for ${k} classes); it learnt little, and a transfer from it means little`,
        });
    }
  }
  return warnings;
}

/** Runs grouped by (stage, column, train_folds variant), in order of first appearance. */
function byColumn(runs: readonly ColumnRun[]): ColumnRun[][] {
  const groups = new Map<string, ColumnRun[]>();
  for (const r of runs) {
    const key = `${r.stage}\u0000${r.column}\u0000${r.trainFolds ?? ""}`;
    const group = groups.get(key) ?? [];
    group.push(r);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * How much the validation score rose over the last half of the trained epochs, by a least-squares
 * line (a loss falling counts as rising); null with fewer than 10 scored epochs there.
 */
export function lateRise(run: ColumnRun, metric: string): number | null {
  const scores = run.curve
    .slice(Math.floor(run.curve.length / 2))
    .map((p) => p.validation)
    .filter((v): v is number => v !== null && Number.isFinite(v));
  if (scores.length < 10) return null;
  const n = scores.length;
  const xMean = (n - 1) / 2;
  const yMean = mean(scores);
  let sxy = 0;
  let sxx = 0;
  scores.forEach((y, x) => {
    sxy += (x - xMean) * (y - yMean);
    sxx += (x - xMean) ** 2;
  });
  const rise = (sxy / sxx) * (n - 1);
  return metric === "loss" ? -rise : rise;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
