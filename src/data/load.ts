/**
 * The data phase of a checked spec: loads every dataset once, assigns folds per repeat from the
 * evaluation seed, and checks what only the data can tell (classes present in every training split,
 * matching features across linked datasets).
 *
 *   checked IR ─1 load tables─▶ datasets ─2 folds per repeat─▶ runs ─3 split checks─▶ SpecData
 *
 * In: the front end's result and the spec's directory. Out: SpecData with warnings about the data
 * (suspect columns, duplicate rows straddling folds), or PNN4xxx diagnostics located at the spec's
 * declarations (the messages name the data file, line and column).
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
  const warnings: Diagnostic[] = [];
  for (const [i, dataset] of ir.datasets.entries()) {
    const tasks = ir.tasks.filter((t) => t.dataset === dataset.id);
    const paths = {
      dataset: `/datasets/${i}`,
      tasks: new Map(ir.tasks.map((t, j) => [t.id, `/tasks/${j}`])),
    };
    const loaded = await loadDataset(dataset, tasks, specDir, paths);
    if (isProblem(loaded)) return report(loaded, `/datasets/${i}/file`);
    datasets.set(dataset.id, loaded);
    warnings.push(...loaded.warnings.map((w) => toDiagnostic(front, w, `/datasets/${i}`)));
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
    const duplicates = duplicateWarning(data, split, dataset.file, `/datasets/${i}`);
    if (duplicates) warnings.push(toDiagnostic(front, duplicates, `/datasets/${i}`));
  }
  // 3. Every class of every task must be in the training folds of every run.
  const vanished = vanishedClass(ir, datasets, splits);
  if (vanished) return report(vanished, "/evaluation/folds");
  return { value: { datasets, splits }, diagnostics: warnings };
}

/**
 * The front end's diagnostics less those the loaded data settles: PNN3023 on `features numeric`
 * says a label or group column may be selected; loadSpecData knows, and reports the real ones itself.
 */
export function settledByData(diagnostics: readonly Diagnostic[], front: FrontEnd): Diagnostic[] {
  const numeric = front.ir.datasets.flatMap((d, i) =>
    d.features.kind === "numeric"
      ? [front.file.span(front.spans.get(`/datasets/${i}/features`))]
      : [],
  );
  return diagnostics.filter(
    (d) =>
      d.code !== "PNN3023" ||
      !numeric.some(
        (s) => s.file === d.span.file && s.start === d.span.start && s.end === d.span.end,
      ),
  );
}

/**
 * Counts the groups of identical rows that land in different folds of the first repeat (a model
 * tested on rows it was trained on), and under the default `duplicates warn` says so with counts.
 */
function duplicateWarning(
  data: LoadedDataset,
  split: DatasetSplits,
  file: string,
  at: string,
): DataProblem | null {
  const report = data.duplicates;
  const fold = split.folds[0]?.fold;
  if (fold) {
    report.straddling = report.members.filter(
      (m) => new Set(m.map((r) => fold[r])).size > 1,
    ).length;
  }
  if (report.policy !== "warn" || report.rows === 0) return null;
  const rows = `${report.rows} row${report.rows === 1 ? "" : "s"}`;
  const groups = `${report.groups} group${report.groups === 1 ? "" : "s"}`;
  return {
    code: "PNN4024",
    message: `${rows} of \`${file}\` repeat${report.rows === 1 ? "s" : ""} an earlier row's features (${groups} of identical rows); ${report.straddling === 0 ? "none" : report.straddling} of the groups straddle folds in repeat 1${report.straddling === 0 ? "" : ", so a model is tested on rows it was trained on"}`,
    hint: "add `duplicates drop` to the dataset to keep the first row of each group, or `duplicates keep` to keep them all",
    at: `${at}/duplicates`,
  };
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
