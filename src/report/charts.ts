/**
 * Inline SVG charts for the report (no library, no network): line charts with a mean ± std band per
 * series, as in the paper's learning curves (Fig. 3) and its UAR-vs-training-folds curve (Fig. 4).
 * In: series of (x, mean, std) points and axis labels. Out: a figure (SVG, HTML legend) as text.
 */

export interface Point {
  x: number;
  mean: number;
  std: number;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Identifies the chart in the page (tests look charts up by it). */
  id: string;
  width?: number;
  height?: number;
}

const COLORS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
  "#e377c2",
  "#17becf",
];

export const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + nice * 1e-9; v += nice)
    out.push(Number(v.toPrecision(12)));
  return out;
}

export function lineChart(series: readonly Series[], opts: ChartOptions): string {
  const width = opts.width ?? 560;
  const height = opts.height ?? 300;
  const pad = { left: 56, right: 16, top: 14, bottom: 44 };
  const points = series.flatMap((s) => s.points);
  if (points.length === 0)
    return `<p class="empty" data-chart="${escapeHtml(opts.id)}">no data for ${escapeHtml(opts.title)}</p>`;
  const xs = points.map((p) => p.x);
  const lows = points.map((p) => p.mean - p.std);
  const highs = points.map((p) => p.mean + p.std);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...lows), Math.max(...highs)];
  const sx = (x: number) => pad.left + ((x - x0) / (x1 - x0 || 1)) * (width - pad.left - pad.right);
  const sy = (y: number) =>
    height - pad.bottom - ((y - y0) / (y1 - y0 || 1)) * (height - pad.top - pad.bottom);
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [];
  for (const t of ticks(y0, y1)) {
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${f(sy(t))}" y2="${f(sy(t))}" class="grid"/>`,
      `<text x="${pad.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${t}</text>`,
    );
  }
  for (const t of ticks(x0, x1))
    parts.push(
      `<text x="${f(sx(t))}" y="${height - pad.bottom + 16}" text-anchor="middle">${t}</text>`,
    );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length === 0) return;
    const upper = pts.map((p) => `${f(sx(p.x))},${f(sy(p.mean + p.std))}`);
    const lower = pts.map((p) => `${f(sx(p.x))},${f(sy(p.mean - p.std))}`).reverse();
    parts.push(
      `<polygon points="${[...upper, ...lower].join(" ")}" fill="${color}" fill-opacity="0.15" stroke="none"/>`,
      `<polyline points="${pts.map((p) => `${f(sx(p.x))},${f(sy(p.mean))}`).join(" ")}" fill="none" stroke="${color}" stroke-width="1.8"/>`,
    );
    if (pts.length < 12)
      for (const p of pts)
        parts.push(`<circle cx="${f(sx(p.x))}" cy="${f(sy(p.mean))}" r="3" fill="${color}"/>`);
  });
  // The legend is HTML below the chart, not SVG text inside it: entries wrap, so any number of
  // methods with names of any length stay inside the figure (in the SVG, the fifth fell off it).
  const legend = series.map(
    (s, i) =>
      `<li><span class="swatch" style="background:${COLORS[i % COLORS.length]}"></span>${escapeHtml(s.name)}</li>`,
  );
  return [
    `<figure class="chart" data-chart="${escapeHtml(opts.id)}">`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(opts.title)}">`,
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" class="axis"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" class="axis"/>`,
    ...parts,
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 8}" text-anchor="middle" class="label">${escapeHtml(opts.xLabel)}</text>`,
    `<text transform="translate(14 ${(pad.top + height - pad.bottom) / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeHtml(opts.yLabel)}</text>`,
    "</svg>",
    `<ul class="legend">${legend.join("")}</ul>`,
    `<figcaption>${escapeHtml(opts.title)}</figcaption>`,
    "</figure>",
  ].join("\n");
}
