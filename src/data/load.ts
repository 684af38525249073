/**
 * The data phase of a checked spec: loads every dataset once, assigns folds per repeat from the
 * evaluation seed, and checks what only the data can tell (classes present in every training split,
 * matching features across linked datasets).
 *
 *   checked IR ─1 load tables─▶ datasets ─2 folds per repeat─▶ runs ─3 split checks─▶ SpecData
 *
 * In: the front end's result and the spec's directory. Out: SpecData, or PNN4xxx diagnostics located
 * at the spec's declarations (the messages name the data file, line and column).
 */
import { makeDiagnostic, type Diagnostic, type Result } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../diagnostics/source-file.js";
import type { SpanIndex } from "../ir/span-index.js";
import type { Ir } from "../ir/types.js";
import { rowsIn, splitDataset, type DatasetSplits } from "../runtime/folds.js";
import { loadDataset, type LoadedDataset } from "./load-dataset.js";
import { isProblem, type DataProblem } from "./problem.js";

export interface SpecData {
  datasets: Map<string, LoadedDataset>;
  splits: Map<string, DatasetSplits>;
}

interface FrontEnd {
  file: SourceFile;
  ir: Ir;
  spans: SpanIndex;
}

export async function loadSpecData(
  front: FrontEnd,
  specDir: string,
): Promise<Result<SpecData | null>> {
  const { ir } = front;
  const report = (problem: DataProblem, fallback: string): Result<null> => ({
    value: null,
    diagnostics: [toDiagnostic(front, problem, fallback)],
  });
  // 1. Tables: each dataset once, with the labels of every task that reads it.
  const datasets = new Map<string, LoadedDataset>();
  for (const [i, dataset] of ir.datasets.entries()) {
    const tasks = ir.tasks.filter((t) => t.dataset === dataset.id);
    const paths = {
      dataset: `/datasets/${i}`,
      tasks: new Map(ir.tasks.map((t, j) => [t.id, `/tasks/${j}`])),
    };
    const loaded = await loadDataset(dataset, tasks, specDir, paths);
    if (isProblem(loaded)) return report(loaded, `/datasets/${i}/file`);
    datasets.set(dataset.id, loaded);
  }
  const mismatch = featureMismatch(ir, datasets);
  if (mismatch) return report(mismatch, "/columns");
  // 2. Folds per repeat, shared by all tasks of a dataset.
  const splits = new Map<string, DatasetSplits>();
  for (const [i, dataset] of ir.datasets.entries()) {
    const data = datasets.get(dataset.id);
    if (!data) continue;
    const settings = {
      scheme: ir.evaluation.folds,
      repeats: ir.evaluation.repeats,
      seed: ir.evaluation.seed,
      validationFolds: ir.evaluation.validationFolds,
    };
    const labels = [...data.tasks.values()].map((t) => t.y);
    const split = splitDataset(labels, data.groups, settings, dataset.file);
    if ("code" in split) return report(split, `/datasets/${i}/group`);
    splits.set(dataset.id, split);
  }
  // 3. Every class of every task must be in the training folds of every run.
  const vanished = vanishedClass(ir, datasets, splits);
  if (vanished) return report(vanished, "/evaluation/folds");
  return { value: { datasets, splits }, diagnostics: [] };
}

function toDiagnostic(front: FrontEnd, problem: DataProblem, fallback: string): Diagnostic {
  return makeDiagnostic(
    problem.code,
    front.file,
    front.spans.get(problem.at ?? fallback),
    problem.message,
    {
      hint: problem.hint,
      suggestions: problem.suggestions,
    },
  );
}

/** Columns linked across datasets (laterals, `init from`) must read the same feature columns. */
function featureMismatch(ir: Ir, datasets: Map<string, LoadedDataset>): DataProblem | null {
  const datasetOf = new Map(
    ir.columns.map((c) => [c.id, ir.tasks.find((t) => t.id === c.task)?.dataset]),
  );
  for (const [ci, column] of ir.columns.entries()) {
    const mine = datasets.get(datasetOf.get(column.id) ?? "");
    const sources = [
      ...column.laterals.flatMap((l) => l.from),
      ...(column.init ? [column.init] : []),
    ];
    for (const source of sources) {
      const theirs = datasets.get(datasetOf.get(source) ?? "");
      if (!mine || !theirs || mine === theirs) continue;
      if (mine.featureNames.join("\u0000") === theirs.featureNames.join("\u0000")) continue;
      const onlyMine = mine.featureNames
        .filter((f) => !theirs.featureNames.includes(f))
        .slice(0, 3);
      return {
        code: "PNN4017",
        message: `\`${column.id}\` reads \`${source}\`, but datasets \`${mine.id}\` and \`${theirs.id}\` select different features (${mine.featureNames.length} vs ${theirs.featureNames.length} columns)`,
        hint:
          onlyMine.length > 0
            ? `only \`${mine.id}\` has ${onlyMine.map((f) => `\`${f}\``).join(", ")}`
            : "the same columns appear in a different order",
        at: `/columns/${ci}/id`,
      };
    }
  }
  return null;
}

/** The fewest training folds any stage uses for a task (`train_folds`), or all of them. */
function fewestTrainFolds(ir: Ir, taskId: string): number | null {
  const counts = ir.stages
    .filter((s) => s.train.some((c) => ir.columns.find((col) => col.id === c)?.task === taskId))
    .flatMap((s) => s.trainFolds ?? []);
  return counts.length > 0 ? Math.min(...counts) : null;
}

function vanishedClass(
  ir: Ir,
  datasets: Map<string, LoadedDataset>,
  splits: Map<string, DatasetSplits>,
): DataProblem | null {
  for (const task of ir.tasks) {
    const data = datasets.get(task.dataset);
    const split = splits.get(task.dataset);
    const labels = data?.tasks.get(task.id);
    if (!data || !split || !labels) continue;
    const n = fewestTrainFolds(ir, task.id);
    for (const [repeat, runs] of split.runs.entries()) {
      const assignment = split.folds[repeat];
      if (!assignment) continue;
      for (const run of runs) {
        const folds = n === null ? run.train : run.train.slice(0, n);
        const seen = new Set<number>();
        for (const r of rowsIn(assignment, folds)) seen.add(labels.y[r] ?? -1);
        const absent = labels.classes.find((_, c) => !seen.has(c));
        if (absent === undefined) continue;
        return {
          code: "PNN4011",
          message: `class \`${absent}\` of task \`${task.id}\` (\`${data.path}\`) has no training row in repeat ${repeat + 1}, run ${run.index + 1} (training folds ${folds.map((f) => f + 1).join(", ")})`,
          hint: "use fewer folds, more `train_folds`, or `drop` the rare class",
        };
      }
    }
  }
  return null;
}
