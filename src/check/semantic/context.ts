/**
 * What every semantic check sees: the schema-valid IR, lookup tables by id, which stage trains each
 * column, and `report`, which locates a diagnostic through the span index by IR path.
 * In: IR + spans + source file. Out: diagnostics collected in `diagnostics`.
 */
import { makeDiagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Code } from "../../diagnostics/catalog.js";
import type { SourceFile } from "../../diagnostics/source-file.js";
import type { SpanIndex } from "../../ir/span-index.js";
import type { ColumnIr, DatasetIr, Ir, StageIr, TaskIr } from "../../ir/types.js";

export interface ReportExtras {
  labels?: { path: string; message: string }[];
  hint?: string | undefined;
  suggestions?: string[];
}

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly datasets: ReadonlyMap<string, DatasetIr>;
  readonly tasks: ReadonlyMap<string, TaskIr>;
  readonly columns: ReadonlyMap<string, ColumnIr>;
  /** Column id → index of the first stage that trains it. */
  readonly trainedIn: ReadonlyMap<string, number>;

  constructor(
    readonly file: SourceFile,
    readonly ir: Ir,
    readonly spans: SpanIndex,
  ) {
    this.datasets = firstById(ir.datasets);
    this.tasks = firstById(ir.tasks);
    this.columns = firstById(ir.columns);
    const trainedIn = new Map<string, number>();
    ir.stages.forEach((s: StageIr, i) => {
      for (const c of s.train) if (!trainedIn.has(c)) trainedIn.set(c, i);
    });
    this.trainedIn = trainedIn;
  }

  report(code: Code, path: string, message: string, extras: ReportExtras = {}): void {
    this.diagnostics.push(
      makeDiagnostic(code, this.file, this.spans.get(path), message, {
        labels: extras.labels?.map((l) => ({ range: this.spans.get(l.path), message: l.message })),
        hint: extras.hint,
        suggestions: extras.suggestions,
      }),
    );
  }

  columnPath(id: string): string {
    return `/columns/${this.ir.columns.findIndex((c) => c.id === id)}`;
  }

  datasetOfColumn(column: ColumnIr): DatasetIr | undefined {
    const task = this.tasks.get(column.task);
    return task ? this.datasets.get(task.dataset) : undefined;
  }
}

/** Duplicates are reported by the names check; lookups use the first declaration. */
function firstById<T extends { id: string }>(items: T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) if (!map.has(item.id)) map.set(item.id, item);
  return map;
}
