/**
 * The rows one column sees in one run: its task's train, validation and test folds as tensors,
 * normalised with statistics of the training folds it actually uses; and a column's test metrics.
 * In: the plan, loaded data, a run and a `train_folds` variant. Out: TaskSplits; test metrics.
 */
import type * as Tf from "@tensorflow/tfjs";
import type { Column } from "./column.js";
import { rowsIn, type FoldAssignment, type Run } from "./folds.js";
import { metrics, type Metrics } from "./metrics.js";
import { applyNormalizer, fitNormalizer, type Normalizer } from "./normalize.js";
import type { DatasetRows, ExperimentData, Plan, RunIndex } from "./plan.js";
import { predict, sourceActivations, type Split } from "./train.js";

export interface TaskSplits {
  train: Split;
  validation: Split | null;
  test: Split;
  /** The statistics the splits were normalised with; checkpoints store the same ones. */
  norm: Normalizer;
}

/**
 * The rows of one task in one run, normalised with the run's training statistics; null when the
 * plan or data lacks something, or the training or test fold has no labelled rows.
 */
export function taskSplits<C extends Column>(
  tf: typeof Tf,
  plan: Plan<C>,
  data: ExperimentData,
  taskId: string,
  at: RunIndex,
  trainFolds: number | null,
): TaskSplits | null {
  const task = plan.tasks.get(taskId);
  const dataset = task && data.datasets.get(task.dataset);
  const split = task && data.splits.get(task.dataset);
  const assignment = split?.folds[at.repeat];
  const run: Run | undefined = split?.runs[at.repeat]?.[at.fold];
  const labels = dataset?.tasks.get(taskId);
  if (!task || !dataset || !assignment || !run || !labels) return null;
  const used = trainFolds === null ? run.train : run.train.slice(0, trainFolds);
  // Statistics come from the training folds actually used (`train_folds` may use fewer).
  const norm = fitNormalizer(
    task.normalize,
    dataset.x,
    dataset.dims,
    rowsIn(assignment, used),
    dataset.groups,
  );
  const rows = { tf, dataset, y: labels.y, assignment, norm };
  const train = labelledRows(rows, used);
  const test = labelledRows(rows, [run.test]);
  if (!train || !test) {
    // One of them may exist: its tensor must not outlive the run it was made for.
    train?.x.dispose();
    test?.x.dispose();
    return null;
  }
  return { train, validation: labelledRows(rows, run.validation), test, norm };
}

/** The labelled rows of some folds, normalised; null when there are none. */
function labelledRows(
  from: {
    tf: typeof Tf;
    dataset: DatasetRows;
    y: Int32Array;
    assignment: FoldAssignment;
    norm: Normalizer;
  },
  folds: number[],
): Split | null {
  const { tf, dataset, y, assignment, norm } = from;
  // A negative label marks a row the task drops.
  const rows = Int32Array.from([...rowsIn(assignment, folds)].filter((r) => (y[r] ?? -1) >= 0));
  if (rows.length === 0) return null;
  const x = applyNormalizer(norm, dataset.x, dataset.dims, rows, dataset.groups);
  return {
    x: tf.tensor2d(x, [rows.length, dataset.dims]),
    y: Int32Array.from(rows, (r) => y[r] ?? 0),
  };
}

export function disposeSplits(s: TaskSplits): void {
  s.train.x.dispose();
  s.validation?.x.dispose();
  s.test.x.dispose();
}

/** How many classes a task has in its dataset (0 when the plan or data lacks it). */
export function classesOf<C extends Column>(
  plan: Plan<C>,
  data: ExperimentData,
  taskId: string,
): number {
  const dataset = data.datasets.get(plan.tasks.get(taskId)?.dataset ?? "");
  return dataset?.tasks.get(taskId)?.classes.length ?? 0;
}

/** Test metrics of `model` (inference mode), its sources read from `models`. */
export function evaluate<C extends Column>(
  tf: typeof Tf,
  model: C,
  models: ReadonlyMap<string, C>,
  test: Split,
): Metrics {
  const classes = model.head.bias.shape[0] ?? 0;
  const hidden = sourceActivations(tf, model, models, test.x);
  const m = metrics(test.y, predict(tf, model, test.x, hidden), classes);
  for (const hs of hidden.values()) hs.forEach((h) => h.dispose());
  return m;
}
