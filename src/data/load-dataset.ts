/**
 * Loads one dataset of a spec: reads its table, drops excluded rows, applies the missing-value
 * policy, and derives every task's labels on it.
 * In: the IR dataset, its tasks, the spec's directory. Out: a LoadedDataset (raw, unnormalised
 * features, row-major float32) or a DataProblem. Normalisation is per fold, in normalize.ts.
 */
import { isAbsolute, join } from "node:path";
import { fileSha256 } from "../runtime/files.js";
import type { DatasetIr, TaskIr } from "../ir/types.js";
import { taskLabels, type TaskLabels } from "./labels.js";
import { isProblem, type DataProblem } from "./problem.js";
import { readTable, type RawTable } from "./read-table.js";
import { checkNamedColumns, planFeatures, type SpecPaths } from "./select.js";

export interface MissingReport {
  policy: DatasetIr["missing"];
  /** Rows with at least one missing feature value (dropped under `drop`, imputed under `mean`). */
  rows: number;
}

export interface LoadedDataset {
  id: string;
  path: string;
  /** sha256 of the file's bytes: the one hash of it a command takes (run hash, column keys). */
  sha256: string;
  featureNames: string[];
  rows: number;
  dims: number;
  /** rows × dims, row-major; NaN only under `missing mean` (imputed per fold from training rows). */
  x: Float32Array;
  groups: string[] | null;
  /** 1-based line in the file of each kept row. */
  lines: number[];
  tasks: Map<string, TaskLabels>;
  excludedRows: number;
  missing: MissingReport;
}

export async function loadDataset(
  dataset: DatasetIr,
  tasks: TaskIr[],
  specDir: string,
  paths: SpecPaths,
): Promise<LoadedDataset | DataProblem> {
  const path = isAbsolute(dataset.file) ? dataset.file : join(specDir, dataset.file);
  const keep = new Set([...tasks.map((t) => t.label), ...dataset.exclude.map((e) => e.column)]);
  if (dataset.group !== null) keep.add(dataset.group);
  const table = await readTable({
    path,
    shownPath: dataset.file,
    format: dataset.format,
    keep,
    plan: (header) =>
      checkNamedColumns(dataset, tasks, header, paths) ?? planFeatures(dataset, header, paths),
  });
  if (isProblem(table)) return table;
  const assembled = assemble(dataset, tasks, path, table, paths);
  return isProblem(assembled) ? assembled : { ...assembled, sha256: await fileSha256(path) };
}

function assemble(
  dataset: DatasetIr,
  tasks: TaskIr[],
  path: string,
  table: RawTable,
  paths: SpecPaths,
): Omit<LoadedDataset, "sha256"> | DataProblem {
  const featureIdx = [...table.numeric.keys()];
  const columns = featureIdx.map((i) => table.numeric.get(i) ?? new Float32Array());
  const featureNames = featureIdx.map((i) => table.header[i] ?? "");
  if (featureNames.length === 0) {
    return {
      code: "PNN4008",
      message: `no numeric feature column was found in \`${dataset.file}\``,
    };
  }
  const excluded = excludedRows(dataset, table);
  const keepRows: number[] = [];
  let missingRows = 0;
  for (let r = 0; r < table.rows; r++) {
    if (excluded.has(r)) continue;
    const gap = columns.findIndex((c) => Number.isNaN(c[r] ?? Number.NaN));
    if (gap >= 0) {
      missingRows++;
      if (dataset.missing === "error") {
        return {
          code: "PNN4013",
          message: `\`${dataset.file}\` line ${table.lines[r]}, column \`${featureNames[gap]}\`: the value is missing`,
          hint: "add `missing drop` or `missing mean` to the dataset to accept rows with missing values",
        };
      }
      if (dataset.missing === "drop") continue;
    }
    keepRows.push(r);
  }
  const dims = columns.length;
  const x = new Float32Array(keepRows.length * dims);
  keepRows.forEach((r, k) => columns.forEach((c, j) => (x[k * dims + j] = c[r] ?? Number.NaN)));
  const pick = (values: string[] | undefined) => keepRows.map((r) => values?.[r] ?? "");
  const lines = keepRows.map((r) => table.lines[r] ?? 0);
  const labels = new Map<string, TaskLabels>();
  for (const task of tasks) {
    const result = taskLabels(task, pick(table.text.get(task.label)), lines, dataset.file);
    if (isProblem(result))
      return { ...result, at: `${paths.tasks.get(task.id) ?? paths.dataset}/label` };
    labels.set(task.id, result);
  }
  const groups = dataset.group === null ? null : pick(table.text.get(dataset.group));
  const emptyGroup = groups?.findIndex((g) => g.trim() === "") ?? -1;
  if (dataset.group !== null && emptyGroup >= 0)
    return {
      code: "PNN4027",
      message: `\`${dataset.file}\` line ${lines[emptyGroup]}, column \`${dataset.group}\`: the group is empty`,
      hint: "every row needs its group (speaker): fill it in, or remove the row",
      at: `${paths.dataset}/group`,
    };
  return {
    id: dataset.id,
    path,
    featureNames,
    rows: keepRows.length,
    dims,
    x,
    groups,
    lines,
    tasks: labels,
    excludedRows: excluded.size,
    missing: { policy: dataset.missing, rows: missingRows },
  };
}

function excludedRows(dataset: DatasetIr, table: RawTable): Set<number> {
  const out = new Set<number>();
  for (const rule of dataset.exclude) {
    const values = new Set(rule.values);
    table.text.get(rule.column)?.forEach((v, r) => {
      if (values.has(v)) out.add(r);
    });
  }
  return out;
}
