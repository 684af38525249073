/**
 * Reports and graphs: `pnnc report` on a comparison and on a run, opened in a real headless
 * Chromium (Debian's, driven by playwright-core): it loads with no console errors, the results
 * table and every chart are there, and a screenshot is kept in test-artifacts/. Also `pnnc graph`
 * in its three formats, and clear failures on damaged result directories.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { lineChart } from "../src/report/charts.js";
import { renderReport, REPORT_CSS } from "../src/report/html.js";
import { loadReport } from "../src/report/load-report.js";
import { CHROMIUM, pnncIn, repoRoot, synthSpecHeader, withChromiumPage } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pnnc = pnncIn(dir);

const spec = (
  name: string,
  body: string,
  stages: string,
  extra = "",
) => `${synthSpecHeader(name, 1)}${body}
training {
  learning_rate 0.02
  batch 32
  epochs 5
  seed 3
  ${stages}
}
evaluation {
  folds 3 stratified
  repeats 2
  validation 1
  ${extra}
}
`;

const gender = "column gender {\n  task gender\n  layers { dense 8 relu }\n}\n";
const files: Record<string, string> = {
  "dnn.pnn": spec(
    "dnn",
    "column emotion {\n  task emotion\n  layers { dense 8 relu }\n}",
    "stage t { train emotion }",
  ),
  "prognet.pnn": spec(
    "prognet",
    `${gender}column emotion {\n  task emotion\n  layers { dense 8 relu }\n  lateral from gender into all\n}`,
    "stage s { train gender }\n  stage t { train emotion\n    freeze gender }",
  ),
  // One spec with a train_folds sweep and two compared columns: the run report gets statistics
  // and the training-folds curve.
  "sweep.pnn": spec(
    "sweep",
    `${gender}column dnn {\n  task emotion\n  layers { dense 8 relu }\n}\ncolumn prog {\n  task emotion\n  layers { dense 8 relu }\n  lateral from gender into all\n}`,
    "stage s { train gender }\n  stage t { train [dnn, prog]\n    freeze gender\n    train_folds [1, 2] }",
    "folds 4 stratified\n  compare [dnn, prog]\n  baseline dnn",
  ).replace("folds 3 stratified\n", ""),
};

beforeAll(() => {
  writeSynthetic({ speakers: 6, utterances: 24, seed: 2, out: join(dir, "synth.csv") });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const compare = pnnc("compare", "dnn.pnn", "prognet.pnn", "--out", "cmp", "--workers", "1");
  if (compare.status !== 0) throw new Error(compare.stderr);
  const run = pnnc("run", "sweep.pnn", "--out", "run", "--workers", "1");
  if (run.status !== 0) throw new Error(run.stderr);
});

describe("pnnc report", () => {
  it("is written by compare and run, and again by `pnnc report`", () => {
    expect(existsSync(join(dir, "cmp", "report.html"))).toBe(true);
    expect(existsSync(join(dir, "run", "report.html"))).toBe(true);
    const again = pnnc("report", "cmp", "-o", "again.html");
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(dir, "again.html"), "utf8")).toBe(
      readFileSync(join(dir, "cmp", "report.html"), "utf8"),
    );
  });

  it("needs no network: no external scripts, styles or images", () => {
    const html = readFileSync(join(dir, "cmp", "report.html"), "utf8");
    expect(html).not.toMatch(/(src|href)=["']https?:/);
    expect(html).not.toMatch(/<script/);
    // url(#arrow) refers to the page's own SVG marker; nothing may point elsewhere.
    expect(html).not.toMatch(/@import|url\(\s*["']?(https?:|\/\/)/);
  });

  it("shows the run's own comparison and the training-folds curve", () => {
    const html = readFileSync(join(dir, "run", "report.html"), "utf8");
    expect(html).toContain('data-chart="train-folds-curve"');
    expect(html).toContain("dnn (baseline)");
    expect(html).toMatch(/<table id="p-values">/);
  });

  it("escapes every text from specs and results, and refuses a tampered compare.json", () => {
    const loaded = loadReport(join(dir, "cmp"));
    if ("problem" in loaded) throw new Error(loaded.problem);
    const spec = loaded.value.specs[0];
    if (!spec) throw new Error("no spec");
    spec.results.classes = { emotion: ['<img src=x onerror="alert(1)">', "a&b"] };
    spec.text += '\n// </pre><script>alert("x")</script>\n';
    const html = renderReport(loaded.value);
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toContain("a&amp;b");
    const doc = JSON.parse(readFileSync(join(dir, "cmp", "compare.json"), "utf8")) as {
      statistics: { alpha: unknown };
      specs: { name: string }[];
    };
    mkdirSync(join(dir, "tampered"), { recursive: true });
    for (const bad of [
      { ...doc, statistics: { ...doc.statistics, alpha: "<script>" } },
      { ...doc, specs: [{ name: "../cmp" }] },
    ]) {
      writeFileSync(join(dir, "tampered", "compare.json"), JSON.stringify(bad));
      const r = pnnc("report", "tampered");
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("is not a pnnc comparison");
    }
  });

  it("sums confusion matrices over runs and averages forgetting as the results say", () => {
    const loaded = loadReport(join(dir, "cmp"));
    if ("problem" in loaded) throw new Error(loaded.problem);
    const prognet = loaded.value.specs.find((s) => s.name === "prognet");
    const runs = prognet?.results.runs.filter((r) => r.column === "emotion") ?? [];
    const total = runs.reduce((n, r) => n + (r.test.confusion[0]?.[0] ?? 0), 0);
    const row = runs.reduce(
      (n, r) => n + (r.test.confusion[0] ?? []).reduce((a, b) => a + b, 0),
      0,
    );
    const html = renderReport(loaded.value);
    const caption = html.indexOf("prognet: test predictions over 6 runs");
    const table = html.slice(html.lastIndexOf('<figure class="confusion">', caption), caption);
    // The first cell of the first row: class 0 predicted as class 0, summed over the runs, as a
    // share of class 0's rows (the count in its title); the row ends with that share as recall.
    const share = `${((100 * total) / row).toFixed(0)}%`;
    expect(table).toMatch(
      new RegExp(`<th>[^<]+</th><td[^>]*title="${total} of ${row}"[^>]*>${share}</td>`),
    );
    expect(table).toMatch(new RegExp(`<td class="recall">${(total / row).toFixed(3)}</td>`));
    expect(html).toContain(">+0.000</td><td>0.000000</td>");
    // Heads drawn with their unit count (the data's classes), never the word "classes".
    const classes = prognet?.results.classes ?? {};
    expect(html).not.toContain("classes softmax");
    for (const [task, list] of Object.entries(classes))
      if (prognet?.ir.columns.some((c) => c.task === task && c.head.units === null))
        expect(html, task).toContain(`head · ${list.length} softmax`);
    // Source columns with the chance level of their task beside their UAR.
    const sources = html.slice(html.indexOf('<table id="sources">'));
    expect(sources).toContain("<th>chance UAR</th>");
    for (const source of loaded.value.comparison?.sources ?? []) {
      const n = classes[source.task]?.length ?? 0;
      expect(sources).toContain(`<td>${(1 / n).toFixed(3)}</td>`);
    }
    expect(sources).not.toContain("near chance");
    // The source columns' own learning curves, one line each.
    const sourceCurve = html.slice(
      html.indexOf('data-chart="source-curve"'),
      html.indexOf("</figure>", html.indexOf('data-chart="source-curve"')),
    );
    expect(sourceCurve.match(/<polyline/g)?.length).toBe(loaded.value.comparison?.sources.length);
    // Each method's test accuracy beside its UAR, from its spec's summary.
    const results = html.slice(
      html.indexOf('<table id="results-table">'),
      html.indexOf("</table>"),
    );
    expect(results).toContain("<th>accuracy</th>");
    const accuracy = prognet?.results.summary.find((r) => r.column === "emotion")?.accuracyMean;
    expect(accuracy).toBeDefined();
    expect(results).toMatch(new RegExp(`prognet</td>.*?<td>${(accuracy ?? 0).toFixed(3)}</td>`));
    // A source that learned next to nothing is flagged.
    const comparison = loaded.value.comparison;
    const first = comparison?.sources[0];
    if (!comparison || !first) throw new Error("the comparison lists no source column");
    const n = classes[first.task]?.length ?? 2;
    const weak = {
      ...loaded.value,
      comparison: { ...comparison, sources: [{ ...first, uarMean: 1 / n + 0.01 }] },
    };
    expect(renderReport(weak)).toContain('<span class="mark">near chance</span>');
  });

  it("says what data the runs read: rows, features, groups and classes, shown once for all specs", () => {
    const loaded = loadReport(join(dir, "cmp"));
    if ("problem" in loaded) throw new Error(loaded.problem);
    const [dnn, prognet] = ["dnn", "prognet"].map(
      (name) => loaded.value.specs.find((s) => s.name === name)?.results.data?.[0],
    );
    // 6 speakers × 24 utterances of the synthetic table, every row used.
    expect(prognet).toMatchObject({ rows: 144, groups: 6, excluded: 0, missingDropped: 0 });
    expect(prognet?.featureNames.length).toBe(prognet?.features);
    expect(Object.values(prognet?.classes.emotion ?? {}).reduce((a, b) => a + b, 0)).toBe(144);
    // Both specs read the same table with the same tasks: the page shows it once.
    expect(dnn).toEqual(prognet);
    const html = renderReport(loaded.value);
    const section = html.slice(
      html.indexOf('<section id="data">'),
      html.indexOf('<section id="architecture">'),
    );
    expect(section.match(/<h3>/g)?.length).toBe(1);
    expect(section).toContain("(read by dnn, prognet)");
    expect(section).toContain("<tr><th>rows used</th><td>144</td></tr>");
    expect(section).toContain("<tr><th>groups</th><td>6</td></tr>");
    expect(section).toContain("<th>gender</th>");
    expect(section).toContain(`<summary>feature names (${prognet?.features})</summary>`);
    for (const [name, n] of Object.entries(prognet?.classes.emotion ?? {}))
      expect(section).toContain(
        `<tr><td>${name}</td><td>${n}</td><td>${((100 * n) / 144).toFixed(1)}%</td></tr>`,
      );
    // Rows the policies removed are said in words.
    const removed = renderReport({
      ...loaded.value,
      specs: loaded.value.specs.map((s) => ({
        ...s,
        results: {
          ...s.results,
          data: s.results.data?.map((d) => ({ ...d, excluded: 3, missingImputed: 2 })),
        },
      })),
    });
    expect(removed).toContain("<td>3 excluded; 2 with missing values imputed</td>");
  });

  it("fails clearly on a missing or damaged directory", () => {
    const missing = pnnc("report", "nowhere");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("holds neither a comparison");
    mkdirSync(join(dir, "broken"));
    writeFileSync(join(dir, "broken", "results.json"), '{"runs": 3}');
    const broken = pnnc("report", "broken");
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain("does not match the results schema");
    expect(broken.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("pnnc graph", () => {
  it("draws columns, frozen ones, laterals and init links in svg, dot and mermaid", () => {
    const svg = pnnc("graph", "prognet.pnn");
    expect(svg.status, svg.stderr).toBe(0);
    expect(svg.stdout).toMatch(/^<svg /);
    expect(svg.stdout).toContain("task gender · frozen");
    // One hidden layer each: the only lateral runs from gender.h1 into emotion's head.
    expect(svg.stdout.match(/<polyline[^>]*class="lateral"/g)).toHaveLength(1);
    const dot = pnnc("graph", "prognet.pnn", "--format", "dot");
    expect(dot.stdout).toContain("subgraph cluster_c_gender");
    expect(dot.stdout).toContain("n_gender_L1 -> n_emotion_L2 [constraint=false, color=red]");
    const mermaid = pnnc("graph", "prognet.pnn", "--format", "mermaid");
    expect(mermaid.stdout).toMatch(/^flowchart BT/);
    expect(mermaid.stdout).toContain("n_gender_L1 -->|lateral| n_emotion_L2");
    expect(mermaid.stdout).toContain("class n_gender_L0,n_gender_L1,n_gender_L2 frozen");
    expect(pnnc("graph", "prognet.pnn", "--format", "png").status).toBe(2);
  });
});

if (!existsSync(CHROMIUM))
  console.warn(
    `skipping the report's browser test: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`,
  );
describe.skipIf(!existsSync(CHROMIUM))("the report in headless Chromium", () => {
  it("loads without console errors and shows the table and every chart", async () => {
    await withChromiumPage(async (page) => {
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(dir, "cmp", "report.html")).href);
      expect(await page.title()).toBe("pnnc compare: dnn, prognet");
      expect(await page.locator("#results-table tbody tr").count()).toBe(2);
      for (const chart of ["validation-curve", "loss-curve"]) {
        const figure = page.locator(`figure[data-chart="${chart}"] svg`);
        expect(await figure.count(), chart).toBe(1);
        expect((await figure.boundingBox())?.width ?? 0).toBeGreaterThan(100);
        expect(await page.locator(`figure[data-chart="${chart}"] polyline`).count()).toBe(2);
      }
      expect(await page.locator(".confusion table").count()).toBe(2);
      expect(await page.locator("svg.pnn-graph").count()).toBe(2);
      expect(await page.locator("#forgetting-table tbody tr").count()).toBeGreaterThan(0);
      mkdirSync(join(repoRoot, "test-artifacts"), { recursive: true });
      await page.screenshot({
        path: join(repoRoot, "test-artifacts", "report.png"),
        fullPage: true,
      });
      expect(existsSync(join(repoRoot, "test-artifacts", "report.png"))).toBe(true);
      expect(errors).toEqual([]);
      // Every label of every chart and architecture drawing lies inside its SVG.
      // (A string, evaluated in the page: this project's TypeScript has no DOM types.)
      const outside = (await page.evaluate(`(() => {
        const out = [];
        for (const svg of document.querySelectorAll("figure svg, svg.pnn-graph")) {
          const box = svg.getBoundingClientRect();
          for (const t of svg.querySelectorAll("text")) {
            const r = t.getBoundingClientRect();
            if (r.width === 0) continue;
            if (r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
                r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
              out.push(t.textContent + " (" + Math.round(r.left) + "-" + Math.round(r.right) +
                " in " + Math.round(box.left) + "-" + Math.round(box.right) + ")");
          }
        }
        return out;
      })()`)) as string[];
      expect(outside).toEqual([]);
      // Confusion matrices as shares of each true class, with a recall column.
      expect(await page.locator(".confusion th", { hasText: "recall" }).count()).toBe(2);
      const share = (await page.locator(".confusion td").first().textContent()) ?? "";
      expect(share).toMatch(/^\d+%$/);

      // A chart's legend keeps every entry inside the figure and apart, however many methods
      // there are and however long their names (in the SVG legend, the fifth fell off the chart).
      const names = Array.from({ length: 7 }, (_, i) => `method_${i}_with_a_rather_long_name`);
      const series = names.map((name, i) => ({
        name,
        points: [1, 2, 3].map((x) => ({ x, mean: 0.5 + 0.01 * i * x, std: 0.02 })),
      }));
      const chart = lineChart(series, { id: "many", title: "many", xLabel: "x", yLabel: "y" });
      await page.setContent(`<style>${REPORT_CSS}</style>${chart}`);
      const svg = await page.locator('figure[data-chart="many"] svg').boundingBox();
      const items = page.locator('figure[data-chart="many"] .legend li');
      expect(await items.count()).toBe(7);
      const boxes = await Promise.all(
        Array.from({ length: 7 }, (_, i) => items.nth(i).boundingBox()),
      );
      for (const [i, b] of boxes.entries()) {
        expect(b && svg, `legend entry ${i}`).toBeTruthy();
        if (!b || !svg) continue;
        expect(b.x).toBeGreaterThanOrEqual(svg.x);
        expect(b.x + b.width).toBeLessThanOrEqual(svg.x + svg.width + 0.5);
        for (const c of boxes.slice(i + 1)) {
          if (!c) continue;
          const apart =
            b.x + b.width <= c.x ||
            c.x + c.width <= b.x ||
            b.y + b.height <= c.y ||
            c.y + c.height <= b.y;
          expect(apart, `legend entries overlap: ${JSON.stringify([b, c])}`).toBe(true);
        }
      }
    });
  });
});
