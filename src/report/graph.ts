/**
 * `pnnc graph`: a spec's architecture as a picture. Columns stand side by side (input at the bottom,
 * head on top), columns a later stage freezes are marked frozen, lateral links run from a source's
 * layer i−1 to the target's layer i (adapters labelled with their width and α), and `init from`
 * is a dashed arrow between column titles. One layout model, three printers: SVG, DOT, Mermaid.
 * In: a checked IR. Out: text.
 */
import type { Ir, LayerRef } from "../ir/types.js";

interface Box {
  column: string;
  /** 0 is the input, 1..N the hidden layers, N+1 the head. */
  level: number;
  label: string;
}

interface Edge {
  from: Box;
  to: Box;
  kind: "lateral" | "adapter";
  label: string;
}

interface ColumnLayout {
  id: string;
  task: string;
  frozen: boolean;
  boxes: Box[];
}

export interface GraphModel {
  name: string;
  columns: ColumnLayout[];
  edges: Edge[];
  inits: { from: string; to: string }[];
}

/**
 * `classes`: each task's class count where the data told it (a report); otherwise a head's width
 * is its task's declared `classes`, and "classes" only when neither is known (`pnnc graph`).
 */
export function graphModel(ir: Ir, classes: ReadonlyMap<string, number> = new Map()): GraphModel {
  const outputs = (task: string) =>
    classes.get(task) ?? ir.tasks.find((t) => t.id === task)?.classes?.length ?? "classes";
  const frozen = new Set(
    ir.stages.flatMap((s) => s.freeze.filter((f) => f.layer === null).map((f) => f.column)),
  );
  const columns = ir.columns.map((c): ColumnLayout => {
    const boxes: Box[] = [
      { column: c.id, level: 0, label: "input" },
      ...c.layers.map((l, i) => ({
        column: c.id,
        level: i + 1,
        label: `h${i + 1}: ${l.units} ${l.activation}${l.dropout > 0 ? `, drop ${l.dropout}` : ""}`,
      })),
      {
        column: c.id,
        level: c.layers.length + 1,
        label: `head: ${c.head.units ?? outputs(c.task)} softmax`,
      },
    ];
    return { id: c.id, task: c.task, frozen: frozen.has(c.id), boxes };
  });
  const boxOf = (column: string, level: number) =>
    columns.find((c) => c.id === column)?.boxes.find((b) => b.level === level);
  const edges: Edge[] = [];
  for (const c of ir.columns) {
    for (const lateral of c.laterals) {
      for (const into of lateral.into) {
        const level = (ref: LayerRef, depth: number) => (ref === "head" ? depth + 1 : ref);
        const to = boxOf(c.id, level(into, c.layers.length));
        for (const source of lateral.from) {
          const depth = ir.columns.find((s) => s.id === source)?.layers.length ?? 0;
          const from = boxOf(source, into === "head" ? depth : (into as number) - 1);
          if (!from || !to) continue;
          edges.push(
            lateral.kind === "adapter"
              ? { from, to, kind: "adapter", label: `adapter ${lateral.width}, α ${lateral.alpha}` }
              : { from, to, kind: "lateral", label: "" },
          );
        }
      }
    }
  }
  const inits = ir.columns.flatMap((c) => (c.init ? [{ from: c.init, to: c.id }] : []));
  return { name: ir.name, columns, edges, inits };
}

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const BOX_W = 170;
const BOX_H = 30;
const GAP_X = 110;
const GAP_Y = 26;
const TOP = 56;

export function graphSvg(model: GraphModel): string {
  const depth = Math.max(...model.columns.map((c) => c.boxes.length));
  const height = TOP + depth * (BOX_H + GAP_Y) + 10;
  const width = model.columns.length * (BOX_W + GAP_X) - GAP_X + 40;
  const xOf = (column: string) =>
    20 + model.columns.findIndex((c) => c.id === column) * (BOX_W + GAP_X);
  // Bottoms align: the input of every column sits on the last row.
  const yOf = (level: number) => height - 10 - (level + 1) * (BOX_H + GAP_Y) + GAP_Y;
  const parts: string[] = [];
  for (const c of model.columns) {
    const x = xOf(c.id);
    parts.push(
      `<text x="${x + BOX_W / 2}" y="22" text-anchor="middle" class="title">${escapeXml(c.id)}${c.frozen ? " (frozen)" : ""}</text>`,
      `<text x="${x + BOX_W / 2}" y="38" text-anchor="middle" class="task">task ${escapeXml(c.task)}</text>`,
    );
    for (const b of c.boxes) {
      const cls = b.level === 0 ? "input" : c.frozen ? "frozen" : "layer";
      parts.push(
        `<rect x="${x}" y="${yOf(b.level)}" width="${BOX_W}" height="${BOX_H}" rx="5" class="${cls}"/>`,
        `<text x="${x + BOX_W / 2}" y="${yOf(b.level) + 19}" text-anchor="middle">${escapeXml(b.label)}</text>`,
      );
      if (b.level > 0) {
        const y = yOf(b.level) + BOX_H;
        parts.push(
          `<line x1="${x + BOX_W / 2}" y1="${y + GAP_Y}" x2="${x + BOX_W / 2}" y2="${y + 2}" class="flow" marker-end="url(#arrow)"/>`,
        );
      }
    }
  }
  for (const e of model.edges) {
    const x1 = xOf(e.from.column) + BOX_W;
    const y1 = yOf(e.from.level) + BOX_H / 2;
    const x2 = xOf(e.to.column);
    const y2 = yOf(e.to.level) + BOX_H / 2;
    // Links to a column further away bend outward so they do not cross the columns between.
    const bend = Math.abs(x2 - x1) > GAP_X + 1 ? -40 : 0;
    const path = `M${x1},${y1} C${x1 + GAP_X / 2},${y1 + bend} ${x2 - GAP_X / 2},${y2 + bend} ${x2},${y2}`;
    parts.push(`<path d="${path}" class="${e.kind}" marker-end="url(#arrow)"/>`);
    if (e.label)
      parts.push(
        `<text x="${(x1 + x2) / 2}" y="${(y1 + y2) / 2 - 6}" text-anchor="middle" class="edge-label">${escapeXml(e.label)}</text>`,
      );
  }
  for (const init of model.inits) {
    const x1 = xOf(init.from) + BOX_W / 2;
    const x2 = xOf(init.to) + BOX_W / 2;
    parts.push(
      `<path d="M${x1},44 Q${(x1 + x2) / 2},52 ${x2},44" class="init" marker-end="url(#arrow)"/>`,
      `<text x="${(x1 + x2) / 2}" y="55" text-anchor="middle" class="edge-label">init from</text>`,
    );
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="architecture of ${escapeXml(model.name)}" class="pnn-graph">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    "<style>text{font:12px sans-serif;fill:#222}.title{font-weight:bold;font-size:14px}.task{fill:#666}.layer{fill:#e8f0fe;stroke:#4a6fa5}.frozen{fill:#e6e6e6;stroke:#888;stroke-dasharray:4 2}.input{fill:#fff;stroke:#aaa}.flow{stroke:#888}.lateral{fill:none;stroke:#c0392b;stroke-width:1.4}.adapter{fill:none;stroke:#8e44ad;stroke-width:1.4;stroke-dasharray:6 3}.init{fill:none;stroke:#27ae60;stroke-dasharray:3 3}.edge-label{font-size:10px;fill:#555}</style>",
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

/**
 * Node and group ids: spec names are identifiers, and a fixed prefix plus a level suffix
 * (`n_speaker_L2`, group `c_speaker`) cannot collide for different columns or levels.
 */
const nodeId = (b: Box) => `n_${b.column}_L${b.level}`;
const groupId = (column: string) => `c_${column}`;

export function graphDot(model: GraphModel): string {
  const lines = [
    `digraph ${JSON.stringify(model.name)} {`,
    "  rankdir=BT;",
    '  node [shape=box, style="rounded,filled", fillcolor="#e8f0fe"];',
  ];
  for (const c of model.columns) {
    lines.push(`  subgraph cluster_${groupId(c.id)} {`);
    lines.push(
      `    label=${JSON.stringify(`${c.id} (task ${c.task})${c.frozen ? ", frozen" : ""}`)};`,
    );
    if (c.frozen) lines.push('    style=dashed; node [fillcolor="#e6e6e6"];');
    for (const b of c.boxes) lines.push(`    ${nodeId(b)} [label=${JSON.stringify(b.label)}];`);
    for (const [i, b] of c.boxes.entries()) {
      const next = c.boxes[i + 1];
      if (next) lines.push(`    ${nodeId(b)} -> ${nodeId(next)};`);
    }
    lines.push("  }");
  }
  for (const e of model.edges) {
    const style =
      e.kind === "adapter"
        ? `, style=dashed, color=purple, label=${JSON.stringify(e.label)}`
        : ", color=red";
    lines.push(`  ${nodeId(e.from)} -> ${nodeId(e.to)} [constraint=false${style}];`);
  }
  for (const init of model.inits)
    lines.push(
      `  ${nodeId({ column: init.from, level: 0, label: "" })} -> ${nodeId({ column: init.to, level: 0, label: "" })} [style=dotted, color=green, label="init from", constraint=false];`,
    );
  lines.push("}", "");
  return lines.join("\n");
}

export function graphMermaid(model: GraphModel): string {
  const text = (s: string) => `"${s.replace(/"/g, "#quot;")}"`;
  const lines = ["flowchart BT"];
  for (const c of model.columns) {
    lines.push(
      `  subgraph ${groupId(c.id)}[${text(`${c.id} · ${c.task}${c.frozen ? " · frozen" : ""}`)}]`,
    );
    for (const b of c.boxes) lines.push(`    ${nodeId(b)}[${text(b.label)}]`);
    for (const [i, b] of c.boxes.entries()) {
      const next = c.boxes[i + 1];
      if (next) lines.push(`    ${nodeId(b)} --> ${nodeId(next)}`);
    }
    lines.push("  end");
  }
  for (const e of model.edges)
    lines.push(
      e.kind === "adapter"
        ? `  ${nodeId(e.from)} -.->|${text(e.label)}| ${nodeId(e.to)}`
        : `  ${nodeId(e.from)} -->|lateral| ${nodeId(e.to)}`,
    );
  for (const init of model.inits)
    lines.push(
      `  ${nodeId({ column: init.from, level: 0, label: "" })} -.->|init from| ${nodeId({ column: init.to, level: 0, label: "" })}`,
    );
  const frozen = model.columns.filter((c) => c.frozen);
  if (frozen.length > 0) {
    lines.push("  classDef frozen fill:#e6e6e6,stroke:#888,stroke-dasharray: 4 2");
    for (const c of frozen) lines.push(`  class ${c.boxes.map(nodeId).join(",")} frozen`);
  }
  return lines.join("\n") + "\n";
}
