/**
 * The report as one self-contained HTML page (inline CSS and SVG, no script, no network): results
 * with significance markers, the architecture of every spec, learning curves (mean ± std over runs,
 * as the paper's Fig. 3), confusion matrices, forgetting, the UAR-vs-training-folds curve (Fig. 4),
 * what the runs say about their own training (cut short, near chance, diverged), the data they read
 * and the spec text. In: a ReportInput (load-report.ts gathers it). Out: HTML text.
 */
import type { ComparisonDocument } from "../engine/compare.js";
import type { Ir } from "../ir/types.js";
import type { ColumnRun, FailedRun, RunResults } from "../runtime/results.js";
import { escapeHtml as esc, lineChart, type Point, type Series } from "./charts.js";
import { dataSection } from "./data-section.js";
import { graphModel } from "./graph.js";
import { graphSvg } from "./graph-svg.js";

export interface ReportSpec {
  name: string;
  text: string;
  ir: Ir;
  /** results.json or results/NAME.json (failedRuns only with `--keep-going`). */
  results: RunResults & { failedRuns?: FailedRun[] };
}

export interface ReportInput {
  title: string;
  pnnc: string;
  backend: string;
  seconds: number;
  specs: ReportSpec[];
  comparison: ComparisonDocument | null;
}

/** A curve or matrix source: one column of one spec, named for the page. */
interface Subject {
  name: string;
  spec: ReportSpec;
  column: string;
}

function subjects(input: ReportInput): Subject[] {
  if (input.comparison) {
    return input.comparison.methods.flatMap((m) => {
      const spec = input.specs[m.spec];
      return spec ? [{ name: m.name, spec, column: m.column }] : [];
    });
  }
  return input.specs.flatMap((spec) =>
    spec.ir.columns.map((c) => ({ name: c.id, spec, column: c.id })),
  );
}

/** Each task's number of classes, as the results record them. */
const classCounts = (s: ReportSpec) =>
  new Map(Object.entries(s.results.classes ?? {}).map(([task, list]) => [task, list.length]));

const fmt = (n: number, d = 3) => (Number.isFinite(n) ? n.toFixed(d) : "–");

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / (values.length || 1);
  const variance =
    values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

/** Runs of a column in its main variant (the most training folds). */
function mainRuns(spec: ReportSpec, column: string): ColumnRun[] {
  const runs = spec.results.runs.filter((r) => r.column === column);
  const most = Math.max(...runs.map((r) => r.trainFolds ?? Infinity));
  return runs.filter((r) => (r.trainFolds ?? Infinity) === most);
}

/**
 * A test UAR that went less than a tenth of the way from chance (1 / classes) to 1: the column
 * learned next to nothing, so what transfers from it means little (as the run warnings say).
 */
const nearChance = (uar: number, classes: number | undefined) =>
  classes !== undefined && classes > 0 && uar < 1 / classes + 0.1 * (1 - 1 / classes);

/** A method's mean test accuracy, from its spec's summary (all training folds). */
function accuracyOf(c: ComparisonDocument, specs: readonly ReportSpec[], method: string): number {
  const ref = c.methods.find((m) => m.name === method);
  const summary = ref ? specs[ref.spec]?.results.summary : undefined;
  const rows = (summary ?? []).filter((r) => r.column === ref?.column);
  const all = rows.find((r) => r.trainFolds === null) ?? rows.at(-1);
  return all?.accuracyMean ?? Number.NaN;
}

function comparisonSection(
  c: ComparisonDocument,
  classes: ReadonlyMap<string, number>,
  specs: readonly ReportSpec[],
): string {
  const s = c.statistics;
  const rows = s.methods.map((m) => {
    const marks = [
      s.best === m.method
        ? '<span class="mark" title="significantly better than every other method">*</span>'
        : "",
      s.betterThanBaseline.includes(m.method)
        ? `<span class="mark" title="significantly better than ${esc(s.baseline ?? "")}">†</span>`
        : "",
    ].join("");
    return `<tr><td>${esc(m.method)}${s.baseline === m.method ? " (baseline)" : ""}</td><td>${esc(String(m.runs))}</td><td>${fmt(m.mean)} ± ${fmt(m.std)}</td><td>${fmt(m.withinFoldStd)}</td><td>${fmt(accuracyOf(c, specs, m.method))}</td><td>${marks}</td></tr>`;
  });
  const names = s.methods.map((m) => m.method);
  const p = (a: string, b: string) =>
    s.pairs.find((x) => (x.a === a && x.b === b) || (x.a === b && x.b === a));
  const matrix = names.map(
    (a) =>
      `<tr><th>${esc(a)}</th>${names
        .map((b) => {
          const pair = a === b ? undefined : p(a, b);
          const significant = pair && typeof pair.p === "number" && pair.p < s.alpha;
          return `<td class="${significant ? "sig" : ""}">${pair ? fmt(pair.p, 4) : ""}</td>`;
        })
        .join("")}</tr>`,
  );
  const sources = c.sources.map((x) => {
    const n = classes.get(x.task);
    const flag = nearChance(x.uarMean, n) ? ' <span class="mark">near chance</span>' : "";
    return `<tr><td>${esc(x.column)}</td><td>${esc(x.task)}</td><td>${esc(String(x.runs))}</td><td>${fmt(x.uarMean)}${flag}</td><td>${fmt(x.accuracyMean)}</td><td>${n ? fmt(1 / n) : "–"}</td></tr>`;
  });
  return `<section id="results"><h2>Results: task <code>${esc(c.task)}</code></h2>
<table id="results-table"><thead><tr><th>method</th><th>runs</th><th>test UAR (mean ± std)</th><th>within-fold std</th><th>accuracy</th><th></th></tr></thead><tbody>${rows.join("")}</tbody></table>
<p class="note">* significantly better than every other method; † significantly better than the baseline. Corrected repeated k-fold CV t-test (Nadeau &amp; Bengio; n2/n1 = ${fmt(s.testTrainRatio)}, ${esc(String(s.pairs[0]?.df ?? "–"))} df, α = ${esc(String(s.alpha))}). A p-value of – means no test was possible (fewer than two shared runs, or no variance). Within-fold std: the std over the folds of each repeat, averaged over repeats.</p>
<h3>p-values</h3><table id="p-values"><thead><tr><th></th>${names.map((n) => `<th>${esc(n)}</th>`).join("")}</tr></thead><tbody>${matrix.join("")}</tbody></table>
${sources.length > 0 ? `<h3>Source columns</h3><table id="sources"><thead><tr><th>column</th><th>task</th><th>runs</th><th>UAR</th><th>accuracy</th><th>chance UAR</th></tr></thead><tbody>${sources.join("")}</tbody></table>` : ""}
</section>`;
}

function summarySection(specs: ReportSpec[]): string {
  const rows = specs.flatMap((spec) =>
    spec.results.summary.map(
      (r) =>
        `<tr><td>${esc(r.column)}</td><td>${esc(r.task)}</td><td>${r.trainFolds ?? "all"}</td><td>${r.runs}</td><td>${fmt(r.uarMean)} ± ${fmt(r.uarStd)}</td><td>${fmt(r.accuracyMean)}</td></tr>`,
    ),
  );
  return `<section id="results"><h2>Results</h2>
<table id="results-table"><thead><tr><th>column</th><th>task</th><th>training folds</th><th>runs</th><th>test UAR (mean ± std)</th><th>accuracy</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`;
}

/** Mean ± std over runs at each epoch, over the runs that trained that long (early stopping). */
function curve(
  runs: ColumnRun[],
  value: (p: ColumnRun["curve"][number]) => number | null,
): Point[] {
  const byEpoch = new Map<number, number[]>();
  for (const r of runs)
    for (const p of r.curve) {
      const v = value(p);
      if (v !== null) byEpoch.set(p.epoch, [...(byEpoch.get(p.epoch) ?? []), v]);
    }
  return [...byEpoch].map(([x, vs]) => ({ x, ...meanStd(vs) }));
}

/** The source columns the compared methods build on (speaker, gender), one subject each. */
function sourceSubjects(input: ReportInput): Subject[] {
  return (input.comparison?.sources ?? []).flatMap((x) => {
    const spec = input.specs.find((s) => s.name === x.spec);
    return spec ? [{ name: `${x.column} (${x.spec})`, spec, column: x.column }] : [];
  });
}

function curvesSection(list: Subject[], sources: Subject[]): string {
  const validation: Series[] = list.map((s) => ({
    name: s.name,
    points: curve(mainRuns(s.spec, s.column), (p) => p.validation),
  }));
  const loss: Series[] = list.map((s) => ({
    name: s.name,
    points: curve(mainRuns(s.spec, s.column), (p) => p.loss),
  }));
  return `<section id="curves"><h2>Learning curves</h2><div class="charts">
${lineChart(validation, { id: "validation-curve", title: "validation metric by epoch (mean ± std over runs)", xLabel: "epoch", yLabel: "validation UAR" })}
${lineChart(loss, { id: "loss-curve", title: "training loss by epoch (mean ± std over runs)", xLabel: "epoch", yLabel: "cross-entropy" })}
${
  sources.length > 0
    ? lineChart(
        sources.map((s) => ({
          name: s.name,
          points: curve(mainRuns(s.spec, s.column), (p) => p.validation),
        })),
        {
          id: "source-curve",
          title: "source columns: validation metric by epoch on their own tasks (mean ± std)",
          xLabel: "epoch",
          yLabel: "validation UAR",
        },
      )
    : ""
}
</div><p class="note">Each epoch averages the runs still training then; early stopping ends runs at different epochs.</p></section>`;
}

function confusionTable(s: Subject): string {
  const runs = mainRuns(s.spec, s.column);
  const task = runs[0]?.task ?? "";
  const classes = s.spec.results.classes?.[task] ?? [];
  const n = runs[0]?.test.confusion.length ?? 0;
  const sum = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) =>
      runs.reduce((a, r) => a + (r.test.confusion[i]?.[j] ?? 0), 0),
    ),
  );
  const name = (i: number) => esc(classes[i] ?? String(i));
  // Shares of each true class (rows sum to 100%), so classes of different sizes compare at a
  // glance; the counts are in each cell's title. The diagonal share is the class's recall.
  const body = sum.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const share = (v: number) => (total > 0 ? v / total : 0);
    return `<tr><th>${name(i)}</th>${row
      .map(
        (v) =>
          `<td style="background:rgba(31,119,180,${share(v).toFixed(2)})" title="${v} of ${total}">${(100 * share(v)).toFixed(0)}%</td>`,
      )
      .join("")}<td class="recall">${fmt(share(row[i] ?? 0))}</td></tr>`;
  });
  return `<figure class="confusion"><table><thead><tr><th>true \\ predicted</th>${sum.map((_, j) => `<th>${name(j)}</th>`).join("")}<th>recall</th></tr></thead><tbody>${body.join("")}</tbody></table><figcaption>${esc(s.name)}: test predictions over ${runs.length} runs, as shares of each true class (counts on hover); recall per class</figcaption></figure>`;
}

function forgettingSection(specs: ReportSpec[]): string {
  const rows = specs.flatMap((spec) => {
    const groups = new Map<string, RunResults["forgetting"]>();
    for (const f of spec.results.forgetting) {
      const key = `${f.column}\u0000${f.via ?? ""}\u0000${f.afterStage}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    return [...groups.values()].map((fs) => {
      const f = fs[0];
      const change = meanStd(fs.map((x) => x.change));
      const largest = Math.max(...fs.map((x) => Math.abs(x.change)));
      const how = f?.via
        ? `fine-tuned into <code>${esc(f.via)}</code>, source head re-attached`
        : "re-evaluated as it is now";
      return `<tr><td>${esc(spec.name)}</td><td>${esc(f?.column ?? "")}</td><td>${how}</td><td>${esc(f?.afterStage ?? "")}</td><td>${fmt(meanStd(fs.map((x) => x.uarBefore)).mean)}</td><td>${fmt(meanStd(fs.map((x) => x.uarAfter)).mean)}</td><td class="${largest === 0 ? "zero" : ""}">${change.mean >= 0 ? "+" : ""}${fmt(change.mean)}</td><td>${fmt(largest, 6)}</td></tr>`;
    });
  });
  return `<section id="forgetting"><h2>Forgetting</h2>${
    rows.length === 0
      ? "<p>No column is trained before a later stage, so nothing can be forgotten.</p>"
      : `<table id="forgetting-table"><thead><tr><th>spec</th><th>source column</th><th>measured as</th><th>after stage</th><th>source UAR before</th><th>after</th><th>change</th><th>largest |change|</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
  }<p class="note">A column trained in an earlier stage is re-evaluated after each later one; ProgNet's source columns are frozen, so their change is exactly 0. PT/FT replaces the source's head: its forgetting is measured on the fine-tuned body with the source's saved head re-attached.</p></section>`;
}

function crossDatasetSection(specs: ReportSpec[]): string {
  const series: Series[] = [];
  for (const spec of specs) {
    const byColumn = new Map<string, ColumnRun[]>();
    for (const r of spec.results.runs)
      if (r.trainFolds !== null) byColumn.set(r.column, [...(byColumn.get(r.column) ?? []), r]);
    for (const [column, runs] of byColumn) {
      const byFolds = new Map<number, number[]>();
      for (const r of runs)
        byFolds.set(r.trainFolds ?? 0, [...(byFolds.get(r.trainFolds ?? 0) ?? []), r.test.uar]);
      series.push({
        name: specs.length > 1 ? `${spec.name}.${column}` : column,
        points: [...byFolds].map(([x, vs]) => ({ x, ...meanStd(vs) })),
      });
    }
  }
  if (series.length === 0) return "";
  return `<section id="cross-dataset"><h2>Test UAR against training folds</h2>${lineChart(series, { id: "train-folds-curve", title: "target column test UAR by number of training folds (mean ± std)", xLabel: "training folds of the target data", yLabel: "test UAR" })}</section>`;
}

export const REPORT_CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1180px;padding:0 20px 40px;color:#222}
h1{margin:24px 0 4px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}thead th{background:#f4f4f4}.sig{font-weight:bold;background:#fdecea}
.mark{color:#c0392b;font-weight:bold;margin-left:2px}.zero{color:#2c7a2c;font-weight:bold}.note{color:#555;font-size:13px}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:8px 0}figcaption{font-size:12px;color:#555}
.chart text{font:11px sans-serif;fill:#333}.chart .grid{stroke:#eee}.chart .axis{stroke:#888}.chart .label{font-size:12px}
.confusions{display:flex;flex-wrap:wrap;gap:24px}.graph{overflow-x:auto}pre{background:#f7f7f7;padding:12px;overflow-x:auto;font-size:12px}
nav a{margin-right:12px}.warnings li{color:#8a4b00}.recall{font-weight:bold;background:#f4f4f4}
.legend{list-style:none;padding:0;margin:4px 0 0 56px;display:flex;flex-wrap:wrap;gap:4px 14px;max-width:480px;font-size:12px}
.class-tables{display:flex;flex-wrap:wrap;gap:0 24px}.feature-names{max-width:1100px;font-size:12px;line-height:1.8}
.legend .swatch{display:inline-block;width:10px;height:10px;margin-right:5px;vertical-align:baseline}`;

/** Run warnings and runs left out, per spec; nothing when the training raised no doubt. */
function warningsSection(specs: readonly ReportSpec[]): string {
  const items = specs.flatMap((s) => {
    const who = specs.length > 1 ? `<code>${esc(s.name)}</code>: ` : "";
    return [
      ...(s.results.warnings ?? []).map((w) => `<li>${who}${esc(w.message)}</li>`),
      ...(s.results.failedRuns ?? []).map(
        (f) => `<li>${who}repeat ${f.repeat}, fold ${f.fold} left out: ${esc(f.message)}</li>`,
      ),
    ];
  });
  if (items.length === 0) return "";
  return `<section id="warnings"><h2>Warnings</h2><ul class="warnings">${items.join("")}</ul></section>`;
}

export function renderReport(input: ReportInput): string {
  const list = subjects(input);
  const architecture = input.specs
    .map(
      (s) =>
        `<h3>${esc(s.name)}</h3><div class="graph">${graphSvg(graphModel(s.ir, classCounts(s)))}</div>`,
    )
    .join("\n");
  const specText = input.specs
    .map((s) => `<h3>${esc(s.name)}</h3><pre>${esc(s.text)}</pre>`)
    .join("\n");
  const cross = crossDatasetSection(input.specs);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(input.title)}</title><style>${REPORT_CSS}</style></head>
<body>
<h1>${esc(input.title)}</h1>
<p class="note">pnnc ${esc(input.pnnc)}, backend ${esc(input.backend)}, ${fmt(input.seconds, 1)} s of training.</p>
<nav><a href="#results">results</a>${input.specs.some((s) => s.results.data) ? '<a href="#data">data</a>' : ""}<a href="#architecture">architecture</a><a href="#curves">learning curves</a><a href="#confusion">confusion matrices</a><a href="#forgetting">forgetting</a>${cross ? '<a href="#cross-dataset">training folds</a>' : ""}<a href="#spec">spec</a></nav>
${
  input.comparison
    ? comparisonSection(
        input.comparison,
        new Map(input.specs.flatMap((s) => [...classCounts(s)])),
        input.specs,
      )
    : summarySection(input.specs)
}
${warningsSection(input.specs)}
${dataSection(input.specs.map((s) => ({ name: s.name, data: s.results.data })))}
<section id="architecture"><h2>Architecture</h2>${architecture}</section>
${curvesSection(list, sourceSubjects(input))}
<section id="confusion"><h2>Confusion matrices</h2><div class="confusions">${list.map(confusionTable).join("\n")}</div></section>
${forgettingSection(input.specs)}
${cross}
<section id="spec"><h2>Spec${input.specs.length > 1 ? "s" : ""}</h2>${specText}</section>
</body></html>
`;
}
