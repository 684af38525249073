/**
 * The architecture drawing at 2–10 columns: columns grouped by stage in stage order, no link
 * through a box, one lane per receiving column, `init from` above the bands, headers inside their
 * band, and a 7-column spec that fits the report's width; in headless Chromium, no two texts of the
 * drawing overlap and every text is inside or clear of each box. Also DOT's and Mermaid's groups.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import type { Ir } from "../src/ir/types.js";
import { graphDot, graphMermaid, graphModel } from "../src/report/graph.js";
import { layoutGraph, type Rect } from "../src/report/graph-layout.js";
import { graphSvg } from "../src/report/graph-svg.js";
import { CHROMIUM, synthSpecHeader, withChromiumPage } from "./helpers.js";

const layers = "layers { repeat 4 { dense 256 sigmoid dropout 0.5 } }";

/**
 * `n` columns, each trained in its own stage and frozen by the next: column k takes laterals from
 * every earlier one (a ProgNet chain), and with `init`, the last column starts as a copy of the
 * first instead.
 */
function chain(n: number, opts: { init?: boolean; adapters?: boolean } = {}): Ir {
  const ids = Array.from({ length: n }, (_, k) => `column_${k}_of_a_progressive_net`);
  const columns = ids.map((id, k) => {
    const lines = [`column ${id} {`, `  task ${k === n - 1 ? "emotion" : "gender"}`, `  ${layers}`];
    if (opts.init && k === n - 1) lines.push(`  init from ${ids[0]}`);
    else if (k > 0) {
      const adapter = opts.adapters ? " adapter width 32 alpha 0.1 activation relu" : "";
      lines.push(`  lateral from [${ids.slice(0, k).join(", ")}] into all${adapter}`);
    }
    return [...lines, "}"].join("\n");
  });
  const stages = ids.map((id, k) =>
    k === 0
      ? `  stage s${k} { train ${id} }`
      : `  stage s${k} { train ${id}\n    freeze [${ids.slice(0, k).join(", ")}] }`,
  );
  const text = `${synthSpecHeader("chain")}${columns.join("\n")}\ntraining {\n${stages.join("\n")}\n}\nevaluation {\n  folds 3 stratified\n}\n`;
  const compiled = compileSpec("chain.pnn", text);
  if (!compiled.ir) throw new Error(JSON.stringify(compiled.diagnostics, null, 2));
  return compiled.ir;
}

/** Whether the segment (a, b), horizontal or vertical, passes through the inside of `r`. */
function crosses(a: [number, number], b: [number, number], r: Rect): boolean {
  const [x1, x2] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
  const [y1, y2] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])];
  return x2 > r.x + 0.5 && x1 < r.x + r.w - 0.5 && y2 > r.y + 0.5 && y1 < r.y + r.h - 0.5;
}

describe("the architecture drawing", () => {
  for (const n of [2, 5, 7, 10])
    it(`${n} columns: no link crosses a box, and links into different columns never share a lane`, () => {
      const g = layoutGraph(graphModel(chain(n, { adapters: n === 7 })));
      const lateral = g.routes.filter((r) => r.kind !== "init");
      // Column k receives from k earlier columns at its hidden layers 2–4 and its head (h1's
      // layer below is the input, which no lateral reads).
      expect(lateral.length).toBe(((n * (n - 1)) / 2) * 4);
      for (const route of lateral)
        for (let i = 1; i < route.points.length; i++) {
          const [a, b] = [route.points[i - 1], route.points[i]];
          if (!a || !b) continue;
          for (const box of g.boxes)
            expect(crosses(a, b, box.rect), JSON.stringify([a, b, box.box])).toBe(false);
        }
      // The horizontal part of each link: links into different targets lie on different lines.
      const lanes = new Map<number, Set<number>>();
      for (const route of lateral) {
        const y = route.points[2]?.[1] ?? 0;
        const target = route.points[4]?.[0] ?? 0;
        lanes.set(y, (lanes.get(y) ?? new Set()).add(target));
      }
      for (const targets of lanes.values()) expect(targets.size).toBe(1);
    });

  it("groups columns by stage, in stage order, each stage a band of its own", () => {
    const g = layoutGraph(graphModel(chain(5)));
    expect(g.bands.map((b) => b.label)).toEqual([
      "stage s0",
      "stage s1",
      "stage s2",
      "stage s3",
      "stage s4",
    ]);
    for (const [i, band] of g.bands.entries()) {
      const column = g.columns[i];
      expect(column && column.x > band.rect.x && column.x < band.rect.x + band.rect.w).toBe(true);
      const next = g.bands[i + 1];
      if (next) expect(band.rect.x + band.rect.w).toBeLessThan(next.rect.x);
    }
    // Frozen columns say so; the last column is trained and never frozen.
    expect(g.columns.map((c) => c.header[1]?.full)).toEqual([
      ...Array<string>(4).fill("task gender · frozen"),
      "task emotion",
    ]);
  });

  it("keeps every header inside its band, cutting long names (whole on hover)", () => {
    const g = layoutGraph(graphModel(chain(7)));
    for (const c of g.columns) {
      const band = g.bands.find((b) => c.x > b.rect.x && c.x < b.rect.x + b.rect.w);
      const title = c.header[0];
      if (!band || !title) throw new Error("a column outside every band");
      // 8.2 px a character bounds the bold 13 px title from above.
      const half = (title.text.length * 8.2) / 2;
      expect(c.x - half).toBeGreaterThanOrEqual(band.rect.x);
      expect(c.x + half).toBeLessThanOrEqual(band.rect.x + band.rect.w);
      expect(title.text.endsWith("…")).toBe(true);
    }
    const svg = graphSvg(graphModel(chain(7)));
    expect(svg).toContain("<title>column_6_of_a_progressive_net</title>");
  });

  it("fits 7 one-column stages in the report's 1180 px; draws `init from` as a copy above the bands", () => {
    const g = layoutGraph(graphModel(chain(7, { init: true })));
    expect(g.width).toBeLessThanOrEqual(1180);
    const init = g.routes.filter((r) => r.kind === "init");
    expect(init).toHaveLength(1);
    const top = Math.min(...g.bands.map((b) => b.rect.y));
    const across = init[0]?.points.slice(1, 3) ?? [];
    for (const [, y] of across) expect(y).toBeLessThan(top);
    expect(g.labels.map((l) => l.text)).toContain(
      "column_6_of_a_progressive_net starts as a copy of column_0_of_a_progressive_net",
    );
  });

  it("heads say their unit count when it is known, and only softmax when it is not", () => {
    const ir = chain(2);
    const unknown = graphModel(ir).columns.map((c) => c.boxes.at(-1)?.lines[0]);
    expect(unknown).toEqual(["head · softmax", "head · softmax"]);
    const known = graphModel(
      ir,
      new Map([
        ["gender", 2],
        ["emotion", 8],
      ]),
    );
    expect(known.columns.map((c) => c.boxes.at(-1)?.lines[0])).toEqual([
      "head · 2 softmax",
      "head · 8 softmax",
    ]);
  });

  it("groups stages in DOT and Mermaid too, with `init from` as a column-to-column copy", () => {
    const model = graphModel(chain(3, { init: true }));
    const dot = graphDot(model);
    expect(dot).toContain("subgraph cluster_s_s0 {");
    expect(dot).toMatch(
      /subgraph cluster_s_s2 \{\n.*\n\s+subgraph cluster_c_column_2_of_a_progressive_net/,
    );
    expect(dot).toContain(
      "ltail=cluster_c_column_0_of_a_progressive_net, lhead=cluster_c_column_2_of_a_progressive_net",
    );
    const mermaid = graphMermaid(model);
    expect(mermaid).toContain('subgraph s_s1["stage s1"]');
    expect(mermaid).toContain(
      'c_column_0_of_a_progressive_net ==>|"starts as a copy"| c_column_2_of_a_progressive_net',
    );
  });
});

if (!existsSync(CHROMIUM))
  console.warn(
    `skipping the drawing's browser test: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`,
  );
describe.skipIf(!existsSync(CHROMIUM))("the architecture drawing in headless Chromium", () => {
  it("7 columns with adapters and an init copy: texts apart, inside the SVG, never half over a box", async () => {
    await withChromiumPage(async (page) => {
      await page.setViewportSize({ width: 1280, height: 900 });
      for (const ir of [chain(7, { adapters: true }), chain(7, { init: true })]) {
        await page.setContent(`<body style="margin:0">${graphSvg(graphModel(ir))}</body>`);
        // (A string, evaluated in the page: this project's TypeScript has no DOM types.)
        const problems = (await page.evaluate(`(() => {
          const svg = document.querySelector("svg.pnn-graph");
          const box = svg.getBoundingClientRect();
          const texts = [...svg.querySelectorAll("text")].map((t) => [t.textContent, t.getBoundingClientRect()]);
          const boxes = [...svg.querySelectorAll("rect.layer, rect.frozen, rect.input")].map((r) => r.getBoundingClientRect());
          const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
          const inside = (a, b) => a.left >= b.left && a.right <= b.right && a.top >= b.top && a.bottom <= b.bottom;
          const out = [];
          texts.forEach(([name, r], i) => {
            if (!inside(r, { left: box.left - 0.5, right: box.right + 0.5, top: box.top - 0.5, bottom: box.bottom + 0.5 }))
              out.push(name + " outside the drawing");
            for (const [other, s] of texts.slice(i + 1)) if (meet(r, s)) out.push(name + " overlaps " + other);
            for (const b of boxes) if (meet(r, b) && !inside(r, b)) out.push(name + " half over a box");
          });
          return out;
        })()`)) as string[];
        expect(problems).toEqual([]);
      }
    });
  });
});
