/**
 * What `pnnc data inspect` reports about a spec's data: per dataset its size, the selected feature
 * columns, groups, excluded rows, missing values and duplicate rows and what their policies did, class
 * counts per task, and the folds of the first repeat.
 * In: the IR and the loaded SpecData. Out: a JSON-friendly summary and its text rendering.
 */
import type { Ir } from "../ir/types.js";
import { rowsIn } from "../runtime/folds.js";
import type { SpecData } from "./load.js";

export interface DatasetSummary {
  id: string;
  file: string;
  rows: number;
  features: number;
  /** Every selected feature column, in the order the model reads them. */
  featureNames: string[];
  groups: number | null;
  excludedRows: number;
  missing: { policy: string; rows: number; columns: Record<string, number> };
  duplicates: { policy: string; rows: number; groups: number; dropped: number; straddling: number };
  tasks: { id: string; rows: number; classes: Record<string, number> }[];
  folds: {
    scheme: string;
    k: number;
    repeats: number;
    seed: number;
    foldSizes: number[];
    firstRun: { train: number; validation: number; test: number };
  };
}

export function summarize(ir: Ir, data: SpecData): DatasetSummary[] {
  return ir.datasets.flatMap((d) => {
    const loaded = data.datasets.get(d.id);
    const split = data.splits.get(d.id);
    const assignment = split?.folds[0];
    const run = split?.runs[0]?.[0];
    if (!loaded || !split || !assignment || !run) return [];
    const foldSizes = new Array<number>(assignment.k).fill(0);
    assignment.fold.forEach((f) => (foldSizes[f] = (foldSizes[f] ?? 0) + 1));
    const tasks = [...loaded.tasks].map(([id, labels]) => {
      const classes: Record<string, number> = Object.fromEntries(labels.classes.map((c) => [c, 0]));
      let rows = 0;
      labels.y.forEach((c) => {
        if (c < 0) return;
        rows++;
        const name = labels.classes[c] ?? "";
        classes[name] = (classes[name] ?? 0) + 1;
      });
      return { id, rows, classes };
    });
    return [
      {
        id: d.id,
        file: d.file,
        rows: loaded.rows,
        features: loaded.dims,
        featureNames: loaded.featureNames,
        groups: loaded.groups ? new Set(loaded.groups).size : null,
        excludedRows: loaded.excludedRows,
        missing: loaded.missing,
        duplicates: {
          policy: loaded.duplicates.policy,
          rows: loaded.duplicates.rows,
          groups: loaded.duplicates.groups,
          dropped: loaded.duplicates.dropped,
          straddling: loaded.duplicates.straddling,
        },
        tasks,
        folds: {
          scheme: ir.evaluation.folds.kind,
          k: assignment.k,
          repeats: split.folds.length,
          seed: ir.evaluation.seed,
          foldSizes,
          firstRun: {
            train: rowsIn(assignment, run.train).length,
            validation: rowsIn(assignment, run.validation).length,
            test: rowsIn(assignment, [run.test]).length,
          },
        },
      },
    ];
  });
}

/** All names up to 12; past that the first and last five and the count (`--json` lists all). */
function featureList(names: string[]): string {
  if (names.length <= 12) return names.join(", ");
  return `${names.slice(0, 5).join(", ")}, … (${names.length - 10} more) …, ${names.slice(-5).join(", ")}`;
}

export function renderSummary(summaries: DatasetSummary[]): string {
  const lines: string[] = [];
  for (const s of summaries) {
    const groups = s.groups === null ? "no groups" : `${s.groups} groups`;
    const missingWord =
      s.missing.policy === "drop"
        ? "dropped"
        : s.missing.policy === "mean"
          ? "imputed per fold"
          : "none allowed";
    lines.push(`dataset ${s.id}: ${s.file}`);
    lines.push(
      `  ${s.rows} rows, ${s.features} features, ${groups}; ${s.excludedRows} rows excluded`,
    );
    lines.push(`  features: ${featureList(s.featureNames)}`);
    lines.push(
      `  missing values: ${s.missing.rows} row${s.missing.rows === 1 ? "" : "s"} (${missingWord})`,
    );
    const d = s.duplicates;
    if (d.rows > 0)
      lines.push(
        `  duplicate rows: ${d.rows} in ${d.groups} group${d.groups === 1 ? "" : "s"} of identical features (${d.dropped > 0 ? `${d.dropped} dropped` : `kept; ${d.straddling} group${d.straddling === 1 ? "" : "s"} straddle folds`})`,
      );
    for (const t of s.tasks) {
      const entries = Object.entries(t.classes);
      const shown =
        entries.length <= 8 ? ` (${entries.map(([c, n]) => `${c} ${n}`).join(", ")})` : "";
      lines.push(`  task ${t.id}: ${entries.length} classes${shown}, ${t.rows} rows`);
    }
    const f = s.folds;
    const lo = Math.min(...f.foldSizes);
    const hi = Math.max(...f.foldSizes);
    lines.push(
      `  folds: ${f.k} ${f.scheme} × ${f.repeats} repeat${f.repeats === 1 ? "" : "s"} (seed ${f.seed}), ${lo === hi ? lo : `${lo}–${hi}`} rows per fold`,
      `  run 1: ${f.firstRun.train} train, ${f.firstRun.validation} validation, ${f.firstRun.test} test rows`,
    );
  }
  return lines.join("\n") + "\n";
}
