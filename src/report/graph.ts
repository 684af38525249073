/**
 * `pnnc graph`: a spec's architecture as a model of what to draw: columns grouped by the stage
 * that first trains them (input at the bottom, head on top), frozen columns, lateral links from a
 * source's layer i−1 to the target's layer i (adapters with their width and α), and `init from`
 * copies. Three printers: SVG (graph-layout.ts + graph-svg.ts), and DOT and Mermaid here.
 * In: a checked IR. Out: the model, or DOT or Mermaid text.
 */
import type { Ir, LayerRef } from "../ir/types.js";

export interface Box {
  column: string;
  /** 0 is the input, 1..N the hidden layers, N+1 the head. */
  level: number;
  label: string;
  /** The label in short lines, for a narrow box: name and width first, then dropout. */
  lines: string[];
}

export interface Edge {
  from: Box;
  to: Box;
  kind: "lateral" | "adapter";
  label: string;
}

export interface ColumnLayout {
  id: string;
  task: string;
  frozen: boolean;
  boxes: Box[];
}

/** Columns in the order they are drawn: grouped by the first stage that trains them. */
export interface StageGroup {
  /** null: columns no stage trains. */
  id: string | null;
  columns: string[];
}

export interface GraphModel {
  name: string;
  columns: ColumnLayout[];
  stages: StageGroup[];
  edges: Edge[];
  inits: { from: string; to: string }[];
}

/**
 * `classes`: each task's class count where the data told it (a report); otherwise a head's width
 * is its task's declared `classes`, and left out when neither is known (`pnnc graph`).
 */
export function graphModel(ir: Ir, classes: ReadonlyMap<string, number> = new Map()): GraphModel {
  const outputs = (task: string) =>
    classes.get(task) ?? ir.tasks.find((t) => t.id === task)?.classes?.length;
  const frozen = new Set(
    ir.stages.flatMap((s) => s.freeze.filter((f) => f.layer === null).map((f) => f.column)),
  );
  const columns = ir.columns.map((c): ColumnLayout => {
    const units = c.head.units ?? outputs(c.task);
    const head = units === undefined ? "softmax" : `${units} softmax`;
    const boxes: Box[] = [
      { column: c.id, level: 0, label: "input", lines: ["input"] },
      ...c.layers.map((l, i) => ({
        column: c.id,
        level: i + 1,
        label: `h${i + 1}: ${l.units} ${l.activation}${l.dropout > 0 ? `, drop ${l.dropout}` : ""}`,
        lines: [
          `h${i + 1} · ${l.units} ${l.activation}`,
          ...(l.dropout > 0 ? [`dropout ${l.dropout}`] : []),
        ],
      })),
      {
        column: c.id,
        level: c.layers.length + 1,
        label: `head: ${head}`,
        lines: [`head · ${head}`],
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
  return { name: ir.name, columns, stages: stageGroups(ir), edges, inits };
}

function stageGroups(ir: Ir): StageGroup[] {
  const placed = new Set<string>();
  const groups: StageGroup[] = ir.stages.map((s) => {
    const columns = ir.columns
      .map((c) => c.id)
      .filter((c) => s.train.includes(c) && !placed.has(c));
    columns.forEach((c) => placed.add(c));
    return { id: s.id, columns };
  });
  const rest = ir.columns.map((c) => c.id).filter((c) => !placed.has(c));
  return [...groups, ...(rest.length > 0 ? [{ id: null, columns: rest }] : [])].filter(
    (g) => g.columns.length > 0,
  );
}

/**
 * Node and group ids: spec names are identifiers, and a fixed prefix plus a level suffix
 * (`n_speaker_L2`, group `c_speaker`) cannot collide for different columns or levels.
 */
const nodeId = (b: Box) => `n_${b.column}_L${b.level}`;
const groupId = (column: string) => `c_${column}`;

/** Each stage group with its columns, in drawing order. */
function grouped(model: GraphModel): { stage: string | null; columns: ColumnLayout[] }[] {
  return model.stages.map((g) => ({
    stage: g.id,
    columns: g.columns.flatMap((id) => model.columns.filter((c) => c.id === id)),
  }));
}

const stageGroupId = (stage: string) => `s_${stage}`;

/** `init from`: the target starts as a copy of the source's hidden layers, drawn column to column. */
const INIT_LABEL = "starts as a copy";

export function graphDot(model: GraphModel): string {
  const lines = [
    `digraph ${JSON.stringify(model.name)} {`,
    "  rankdir=BT;",
    "  compound=true;",
    '  node [shape=box, style="rounded,filled", fillcolor="#e8f0fe"];',
  ];
  for (const group of grouped(model)) {
    const indent = group.stage === null ? "  " : "    ";
    if (group.stage !== null)
      lines.push(
        `  subgraph cluster_${stageGroupId(group.stage)} {`,
        `    label=${JSON.stringify(`stage ${group.stage}`)}; style=rounded; color="#bbbbbb";`,
      );
    for (const c of group.columns) {
      lines.push(`${indent}subgraph cluster_${groupId(c.id)} {`);
      lines.push(
        `${indent}  label=${JSON.stringify(`${c.id} (task ${c.task})${c.frozen ? ", frozen" : ""}`)};`,
      );
      if (c.frozen) lines.push(`${indent}  style=dashed; node [fillcolor="#e6e6e6"];`);
      for (const b of c.boxes)
        lines.push(`${indent}  ${nodeId(b)} [label=${JSON.stringify(b.label)}];`);
      for (const [i, b] of c.boxes.entries()) {
        const next = c.boxes[i + 1];
        if (next) lines.push(`${indent}  ${nodeId(b)} -> ${nodeId(next)};`);
      }
      lines.push(`${indent}}`);
    }
    if (group.stage !== null) lines.push("  }");
  }
  for (const e of model.edges) {
    const style =
      e.kind === "adapter"
        ? `, style=dashed, color=purple, label=${JSON.stringify(e.label)}`
        : ", color=red";
    lines.push(`  ${nodeId(e.from)} -> ${nodeId(e.to)} [constraint=false${style}];`);
  }
  for (const init of model.inits) {
    const [from, to] = [init.from, init.to].map((id) => model.columns.find((c) => c.id === id));
    const top = (c: ColumnLayout | undefined) => c?.boxes.at(-2) ?? c?.boxes[0];
    const [a, b] = [top(from), top(to)];
    if (a && b)
      lines.push(
        `  ${nodeId(a)} -> ${nodeId(b)} [ltail=cluster_${groupId(init.from)}, lhead=cluster_${groupId(init.to)}, style=dashed, color=green, label=${JSON.stringify(INIT_LABEL)}, constraint=false];`,
      );
  }
  lines.push("}", "");
  return lines.join("\n");
}

export function graphMermaid(model: GraphModel): string {
  const text = (s: string) => `"${s.replace(/"/g, "#quot;")}"`;
  const lines = ["flowchart BT"];
  for (const group of grouped(model)) {
    const indent = group.stage === null ? "  " : "    ";
    if (group.stage !== null)
      lines.push(`  subgraph ${stageGroupId(group.stage)}[${text(`stage ${group.stage}`)}]`);
    for (const c of group.columns) {
      lines.push(
        `${indent}subgraph ${groupId(c.id)}[${text(`${c.id} · ${c.task}${c.frozen ? " · frozen" : ""}`)}]`,
      );
      for (const b of c.boxes) lines.push(`${indent}  ${nodeId(b)}[${text(b.label)}]`);
      for (const [i, b] of c.boxes.entries()) {
        const next = c.boxes[i + 1];
        if (next) lines.push(`${indent}  ${nodeId(b)} --> ${nodeId(next)}`);
      }
      lines.push(`${indent}end`);
    }
    if (group.stage !== null) lines.push("  end");
  }
  for (const e of model.edges)
    lines.push(
      e.kind === "adapter"
        ? `  ${nodeId(e.from)} -.->|${text(e.label)}| ${nodeId(e.to)}`
        : `  ${nodeId(e.from)} -->|lateral| ${nodeId(e.to)}`,
    );
  for (const init of model.inits)
    lines.push(`  ${groupId(init.from)} ==>|${text(INIT_LABEL)}| ${groupId(init.to)}`);
  const frozen = model.columns.filter((c) => c.frozen);
  if (frozen.length > 0) {
    lines.push("  classDef frozen fill:#e6e6e6,stroke:#888,stroke-dasharray: 4 2");
    for (const c of frozen) lines.push(`  class ${c.boxes.map(nodeId).join(",")} frozen`);
  }
  return lines.join("\n") + "\n";
}
