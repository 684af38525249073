/**
 * Where everything of an architecture drawing goes: stage bands side by side, each holding its
 * columns (input on the bottom row, head on top), and links routed only through the free space, so
 * no link crosses a box. In: a GraphModel. Out: a GraphLayout in pixels (graph-svg.ts prints it).
 */
import type { Box, ColumnLayout, GraphModel } from "./graph.js";

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PlacedBox {
  box: Box;
  rect: Rect;
  kind: "input" | "layer" | "frozen";
}

export interface PlacedColumn {
  column: ColumnLayout;
  /** Centre of the column. */
  x: number;
  /** The header's lines from the top: name, task (and frozen), adapters. */
  header: { text: string; full: string; y: number; cls: "title" | "task" }[];
}

export interface Route {
  kind: "lateral" | "adapter" | "init";
  points: [number, number][];
}

export interface Label {
  text: string;
  x: number;
  y: number;
  anchor: "start" | "middle" | "end";
  cls: string;
}

export interface GraphLayout {
  width: number;
  height: number;
  bands: { label: string; rect: Rect }[];
  columns: PlacedColumn[];
  boxes: PlacedBox[];
  /** Within each column, from each box up to the next. */
  flows: [number, number, number, number][];
  routes: Route[];
  labels: Label[];
}

export const BOX_W = 118;
export const BOX_H = 34;
/** Between the columns of one stage: a link's way out of its source and into its target. */
const CHANNEL = 42;
/** Inside a band, left and right of its columns (a link enters a column 6 px to its left). */
const BAND_PAD = 14;
const STAGE_GAP = 16;
const MARGIN = 10;
/** Lanes in a corridor between two rows: one per column that receives links. */
const LANE = 6;
const INIT_LANE = 20;
/** About one character of the header's bold 13 px text: longer names are cut, shown whole on hover. */
const TITLE_CHAR = 8.2;

const cut = (text: string, room: number) => {
  const n = Math.floor(room / TITLE_CHAR);
  return text.length <= n ? text : `${text.slice(0, Math.max(1, n - 1))}…`;
};

export function layoutGraph(model: GraphModel): GraphLayout {
  const byId = new Map(model.columns.map((c) => [c.id, c]));
  const targets = [...new Set(model.edges.map((e) => e.to.column))];
  const lane = new Map(targets.map((t, i) => [t, i]));
  const rows = Math.max(...model.columns.map((c) => c.boxes.length));
  const gap = Math.max(24, 16 + targets.length * LANE);
  const adapters = (c: ColumnLayout) => [
    ...new Set(
      model.edges.filter((e) => e.to.column === c.id && e.kind === "adapter").map((e) => e.label),
    ),
  ];
  const headerLines = Math.max(...model.columns.map((c) => 2 + (adapters(c).length > 0 ? 1 : 0)));
  const bandTop = MARGIN + model.inits.length * INIT_LANE + (model.inits.length > 0 ? 8 : 0);
  const rowsTop = bandTop + 12 + headerLines * 15 + 10;
  // Row r counts from the input (0) up: every column's input sits on the bottom row.
  const yOf = (row: number) => rowsTop + (rows - 1 - row) * (BOX_H + gap);
  const bandBottom = yOf(0) + BOX_H + 10;

  const left = new Map<string, number>();
  const bands: GraphLayout["bands"] = [];
  let cursor = MARGIN;
  for (const stage of model.stages) {
    const start = cursor;
    stage.columns.forEach((id, i) => left.set(id, start + BAND_PAD + i * (BOX_W + CHANNEL)));
    const width =
      2 * BAND_PAD + stage.columns.length * BOX_W + (stage.columns.length - 1) * CHANNEL;
    bands.push({
      label: stage.id === null ? "not trained" : `stage ${stage.id}`,
      rect: { x: start, y: bandTop, w: width, h: bandBottom - bandTop },
    });
    cursor = start + width + STAGE_GAP;
  }
  const width = cursor - STAGE_GAP + MARGIN;
  const height = bandBottom + 22;
  const xOf = (id: string) => left.get(id) ?? 0;
  // A header stays inside its band, whichever column of the band it heads.
  const room = BOX_W + 2 * BAND_PAD - 4;

  const columns: PlacedColumn[] = [];
  const boxes: PlacedBox[] = [];
  const flows: GraphLayout["flows"] = [];
  for (const id of model.stages.flatMap((s) => s.columns)) {
    const c = byId.get(id);
    if (!c) continue;
    const x = xOf(id);
    const lines = [
      { full: c.id, cls: "title" as const },
      { full: `task ${c.task}${c.frozen ? " · frozen" : ""}`, cls: "task" as const },
      ...adapters(c).map((a) => ({ full: `← ${a}`, cls: "task" as const })),
    ];
    columns.push({
      column: c,
      x: x + BOX_W / 2,
      header: lines.map((l, i) => ({
        ...l,
        text: cut(l.full, l.cls === "title" ? room : room * 1.3),
        y: bandTop + 26 + i * 15,
      })),
    });
    c.boxes.forEach((b, row) => {
      const rect = { x, y: yOf(row), w: BOX_W, h: BOX_H };
      boxes.push({ box: b, rect, kind: b.level === 0 ? "input" : c.frozen ? "frozen" : "layer" });
      if (row > 0) flows.push([x + BOX_W / 2, yOf(row - 1), x + BOX_W / 2, yOf(row) + BOX_H + 2]);
    });
  }

  const rowOf = (b: Box) => byId.get(b.column)?.boxes.indexOf(b) ?? 0;
  // A link leaves its source on the right, climbs (or falls) in the channel there, crosses in
  // its target's lane of the corridor just below the target box, and enters that box from the left.
  const routes: Route[] = model.edges.map((e) => {
    const [from, to] = [rowOf(e.from), rowOf(e.to)];
    const exitX = xOf(e.from.column) + BOX_W + 6;
    const entryX = xOf(e.to.column) - 6;
    const laneY = yOf(to) + BOX_H + 10 + (lane.get(e.to.column) ?? 0) * LANE;
    const [y1, y2] = [yOf(from) + BOX_H / 2, yOf(to) + BOX_H / 2];
    return {
      kind: e.kind,
      points: [
        [exitX - 6, y1],
        [exitX, y1],
        [exitX, laneY],
        [entryX, laneY],
        [entryX, y2],
        [entryX + 6, y2],
      ],
    };
  });
  // `init from` runs above the bands, from the source's header to the target's, one lane each.
  const labels: Label[] = [];
  model.inits.forEach((init, k) => {
    const [x1, x2] = [xOf(init.from) + BOX_W / 2, xOf(init.to) + BOX_W / 2];
    const y = MARGIN + 14 + k * INIT_LANE;
    routes.push({
      kind: "init",
      points: [
        [x1, bandTop + 12],
        [x1, y],
        [x2, y],
        [x2, bandTop + 12],
      ],
    });
    labels.push({
      text: `${init.to} starts as a copy of ${init.from}`,
      x: Math.min(x1, x2) + 6,
      y: y - 4,
      anchor: "start",
      cls: "edge-label",
    });
  });
  for (const band of bands)
    labels.push({
      text: band.label,
      x: band.rect.x + 8,
      y: band.rect.y + band.rect.h + 15,
      anchor: "start",
      cls: "stage",
    });
  return { width, height, bands, columns, boxes, flows, routes, labels };
}
