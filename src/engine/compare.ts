/**
 * What `pnnc compare` compares: from several checked specs (or one with `compare [...]`), the
 * methods (a column on the compared task, named after its spec when each spec gives one), their
 * paired test UARs per (repeat, fold) run, the statistics, and the source columns' own scores.
 * In: checked IRs and each spec's results. Out: a JSON-ready comparison document.
 */
import type { Ir } from "../ir/types.js";
import type { RunResults } from "../runtime/results.js";
import { compareMethods, type Comparison } from "../stats/compare-methods.js";

export interface MethodRef {
  name: string;
  /** Index of the spec in the compared list. */
  spec: number;
  column: string;
}

/** The columns each spec puts forward: `evaluation { compare }`, or what its last stage trains. */
export function methodsOf(
  irs: readonly Ir[],
  task: string | null,
): {
  task: string;
  methods: MethodRef[];
} {
  const candidates = irs.map((ir) => {
    const listed =
      ir.evaluation.compare.length > 0 ? ir.evaluation.compare : (ir.stages.at(-1)?.train ?? []);
    return listed.filter((id) => ir.columns.some((c) => c.id === id));
  });
  const taskOf = (spec: number, column: string) =>
    irs[spec]?.columns.find((c) => c.id === column)?.task ?? "";
  const chosen = task ?? taskOf(0, candidates[0]?.[0] ?? "");
  const methods: MethodRef[] = [];
  candidates.forEach((columns, spec) => {
    const onTask = columns.filter((c) => taskOf(spec, c) === chosen);
    for (const column of onTask) {
      const ir = irs[spec];
      if (!ir) continue;
      // One spec per method (the paper's layout) names methods by spec; one spec with several
      // methods names them by column.
      const name =
        irs.length === 1 ? column : onTask.length === 1 ? ir.name : `${ir.name}.${column}`;
      methods.push({ name, spec, column });
    }
  });
  return { task: chosen, methods };
}

/**
 * n_test / n_train of one run, in folds: 1 test fold against the training folds used, which are
 * k − 1 − validation folds, or fewer under `train_folds` (the compared variant's count).
 */
export function testTrainRatio(ir: Ir, k: number, trainFolds: number | null): number {
  const train = trainFolds ?? k - 1 - ir.evaluation.validationFolds;
  return train > 0 ? 1 / train : 1;
}

/** The `train_folds` variant compared: the one with the most training folds (null: all). */
function mainVariant(results: RunResults, column: string): number | null {
  const most = Math.max(
    ...results.runs.filter((r) => r.column === column).map((r) => r.trainFolds ?? Infinity),
  );
  return Number.isFinite(most) ? most : null;
}

/** One method's test UAR per run, from the variant with the most training folds. */
export function scoresOf(results: RunResults, column: string): Map<string, number> {
  const variant = mainVariant(results, column);
  const out = new Map<string, number>();
  for (const r of results.runs)
    if (r.column === column && r.trainFolds === variant)
      out.set(`${r.repeat}/${r.fold}`, r.test.uar);
  return out;
}

export interface SourceScore {
  spec: string;
  column: string;
  task: string;
  runs: number;
  uarMean: number;
  accuracyMean: number;
}

/** Per spec and source column: its own task's test UAR before and after the later stages. */
export interface ForgettingRow {
  spec: string;
  column: string;
  /** null: the frozen column itself; otherwise the PT/FT column it was fine-tuned into. */
  via: string | null;
  runs: number;
  before: number;
  after: number;
  change: number;
  largestChange: number;
}

export interface ComparisonDocument {
  task: string;
  methods: MethodRef[];
  statistics: Comparison;
  /** Columns the methods build on (speaker, gender): their own test scores. */
  sources: SourceScore[];
  forgetting: ForgettingRow[];
}

/** Forgetting after each spec's last stage, averaged over runs. */
export function forgettingRows(name: string, results: RunResults): ForgettingRow[] {
  const last = results.forgetting.at(-1)?.afterStage;
  const groups = new Map<string, RunResults["forgetting"]>();
  for (const f of results.forgetting.filter((x) => x.afterStage === last)) {
    const key = `${f.column}\u0000${f.via ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
  return [...groups.values()].map((fs) => ({
    spec: name,
    column: fs[0]?.column ?? "",
    via: fs[0]?.via ?? null,
    runs: fs.length,
    before: mean(fs.map((f) => f.uarBefore)),
    after: mean(fs.map((f) => f.uarAfter)),
    change: mean(fs.map((f) => f.change)),
    largestChange: Math.max(...fs.map((f) => Math.abs(f.change))),
  }));
}

export interface CompareSettings {
  task: string | null;
  baseline: string | null;
  df?: number;
  alpha?: number;
  /** Folds per repeat (k), for the variance correction. */
  k: number;
}

export function compareDocument(
  irs: readonly Ir[],
  results: readonly RunResults[],
  settings: CompareSettings,
): ComparisonDocument {
  const { task, methods } = methodsOf(irs, settings.task);
  const scores = methods.map((m) => ({
    method: m.name,
    scores: scoresOf(results[m.spec] ?? { runs: [], forgetting: [], summary: [] }, m.column),
  }));
  const first = irs[0];
  const baselineColumn = first?.evaluation.baseline ?? null;
  const baseline =
    settings.baseline ??
    methods.find((m) => m.spec === 0 && m.column === baselineColumn)?.name ??
    null;
  const firstMethod = methods[0];
  const variant = firstMethod
    ? mainVariant(
        results[firstMethod.spec] ?? { runs: [], forgetting: [], summary: [] },
        firstMethod.column,
      )
    : null;
  const statistics = compareMethods(scores, {
    testTrainRatio: first ? testTrainRatio(first, settings.k, variant) : 1,
    df: settings.df,
    alpha: settings.alpha,
    baseline,
  });
  const seen = new Set<string>();
  const sources: SourceScore[] = [];
  irs.forEach((ir, spec) => {
    for (const row of results[spec]?.summary ?? []) {
      if (methods.some((m) => m.spec === spec && m.column === row.column)) continue;
      if (row.trainFolds !== null || seen.has(`${row.column}\u0000${row.task}`)) continue;
      seen.add(`${row.column}\u0000${row.task}`);
      sources.push({
        spec: ir.name,
        column: row.column,
        task: row.task,
        runs: row.runs,
        uarMean: row.uarMean,
        accuracyMean: row.accuracyMean,
      });
    }
  });
  const forgetting = irs.flatMap((ir, spec) =>
    forgettingRows(ir.name, results[spec] ?? { runs: [], forgetting: [], summary: [] }),
  );
  return { task, methods, statistics, sources, forgetting };
}

/** The comparison as a plain-text table with significance markers, for the terminal. */
export function renderComparison(doc: ComparisonDocument): string {
  const s = doc.statistics;
  const rows = s.methods.map((m) => {
    const marks = `${s.best === m.method ? "*" : ""}${s.betterThanBaseline.includes(m.method) ? "†" : ""}`;
    return [
      m.method + (s.baseline === m.method ? " (baseline)" : ""),
      String(m.runs),
      `${m.mean.toFixed(3)} ± ${m.std.toFixed(3)}`,
      m.withinFoldStd.toFixed(3),
      marks,
    ];
  });
  const header = ["method", "runs", "test UAR", "within-fold std", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const df = s.pairs[0]?.df;
  return [
    `task \`${doc.task}\`: ${s.methods.length} methods on the same runs`,
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `corrected repeated k-fold CV t-test (n2/n1 = ${s.testTrainRatio.toFixed(3)}, ${df ?? "?"} df, α = ${s.alpha}):`,
    ...s.pairs.map(
      (p) =>
        `  ${p.a} vs ${p.b}: Δ ${p.meanDiff >= 0 ? "+" : ""}${p.meanDiff.toFixed(3)}, ${Number.isNaN(p.p) ? "no test (fewer than two runs, or no variance)" : `t = ${p.t.toFixed(2)}, p = ${p.p.toFixed(4)}${p.p < s.alpha ? " (significant)" : ""}`}`,
    ),
    `* significantly better than every other method: ${s.best ?? "none"}`,
    ...(s.baseline
      ? [`† significantly better than ${s.baseline}: ${s.betterThanBaseline.join(", ") || "none"}`]
      : []),
    ...(doc.forgetting.length > 0
      ? [
          "forgetting (source-task test UAR before → after the last stage):",
          ...doc.forgetting.map(
            (f) =>
              `  ${f.spec}: ${f.column}${f.via ? ` (fine-tuned into ${f.via}, source head re-attached)` : " itself"} ${f.before.toFixed(3)} → ${f.after.toFixed(3)}, change ${f.change >= 0 ? "+" : ""}${f.change.toFixed(3)}, largest |change| ${f.largestChange.toFixed(6)}`,
          ),
        ]
      : []),
    ...(doc.sources.length > 0
      ? [
          "source columns:",
          ...doc.sources.map(
            (c) =>
              `  ${c.column} (${c.task}): UAR ${c.uarMean.toFixed(3)}, accuracy ${c.accuracyMean.toFixed(3)} over ${c.runs} runs`,
          ),
        ]
      : []),
    "",
  ].join("\n");
}
