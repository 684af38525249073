/**
 * The architecture drawing as SVG text: stage bands, column headers (long names cut, whole on
 * hover), boxes with their one or two lines, the flow inside each column, and routed links.
 * In: a GraphModel (laid out by graph-layout.ts). Out: a standalone <svg> element.
 */
import type { GraphModel } from "./graph.js";
import { BOX_H, layoutGraph, type Route } from "./graph-layout.js";

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const STYLE = [
  "text{font:11px sans-serif;fill:#222}.title{font-weight:bold;font-size:13px}.task{fill:#555}",
  ".stage{fill:#777;font-size:11px;font-style:italic}.band{fill:#fafafa;stroke:#d4d4d4}",
  ".layer{fill:#e8f0fe;stroke:#4a6fa5}.frozen{fill:#e6e6e6;stroke:#888;stroke-dasharray:4 2}",
  ".input{fill:#fff;stroke:#aaa}.flow{stroke:#888}",
  ".lateral{fill:none;stroke:#c0392b;stroke-width:1.3}",
  ".adapter{fill:none;stroke:#8e44ad;stroke-width:1.3;stroke-dasharray:6 3}",
  ".init{fill:none;stroke:#27ae60;stroke-width:1.6;stroke-dasharray:5 3}",
  ".edge-label{font-size:10px;fill:#27ae60}",
].join("");

const path = (r: Route) =>
  `<polyline points="${r.points.map(([x, y]) => `${x},${y}`).join(" ")}" class="${r.kind}" marker-end="url(#arrow-${r.kind})"/>`;

const marker = (kind: string, color: string) =>
  `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`;

export function graphSvg(model: GraphModel): string {
  const g = layoutGraph(model);
  const parts: string[] = [];
  for (const band of g.bands)
    parts.push(
      `<rect x="${band.rect.x}" y="${band.rect.y}" width="${band.rect.w}" height="${band.rect.h}" rx="8" class="band"/>`,
    );
  for (const c of g.columns)
    for (const line of c.header)
      parts.push(
        `<text x="${c.x}" y="${line.y}" text-anchor="middle" class="${line.cls}">${line.text === line.full ? "" : `<title>${escapeXml(line.full)}</title>`}${escapeXml(line.text)}</text>`,
      );
  for (const [x1, y1, x2, y2] of g.flows)
    parts.push(
      `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" class="flow" marker-end="url(#arrow-flow)"/>`,
    );
  for (const b of g.boxes) {
    const { x, y, w } = b.rect;
    parts.push(`<rect x="${x}" y="${y}" width="${w}" height="${BOX_H}" rx="5" class="${b.kind}"/>`);
    const lines = b.box.lines;
    // One line sits in the middle; two share the box.
    const first = lines.length > 1 ? y + 14 : y + BOX_H / 2 + 4;
    lines.forEach((line, i) =>
      parts.push(
        `<text x="${x + w / 2}" y="${first + i * 13}" text-anchor="middle">${escapeXml(line)}</text>`,
      ),
    );
  }
  parts.push(...g.routes.map(path));
  for (const l of g.labels)
    parts.push(
      `<text x="${l.x}" y="${l.y}" text-anchor="${l.anchor}" class="${l.cls}">${escapeXml(l.text)}</text>`,
    );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${g.width} ${g.height}" width="${g.width}" height="${g.height}" role="img" aria-label="architecture of ${escapeXml(model.name)}" class="pnn-graph">`,
    `<defs>${marker("flow", "#888")}${marker("lateral", "#c0392b")}${marker("adapter", "#8e44ad")}${marker("init", "#27ae60")}</defs>`,
    `<style>${STYLE}</style>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
