/**
 * Pure arithmetic of the protocol bench: FLOPs per sample of a dense column and its laterals, the
 * extrapolation from a measured prefix of (repeat, fold) runs to whole protocols, and parsing the
 * PyTorch script's JSON line. In: shapes, counts and timings. Out: numbers (nothing is measured here).
 */

import type { ColumnIr } from "../ir/types.js";

/** A dense column's shape: widths from the input through the hidden layers to the classes. */
export interface ColumnShape {
  /** [input, hidden 1, …, hidden L, classes]. */
  widths: readonly number[];
  /**
   * Lateral weight matrices (rows × columns) into this column: linear laterals read frozen source
   * activations, so their input needs no gradient.
   */
  laterals: readonly (readonly [number, number])[];
}

/** Weights of the column's own chain (biases left out: they are O(width), not O(width²)). */
export function chainWeights(shape: ColumnShape): number {
  let n = 0;
  for (let i = 0; i + 1 < shape.widths.length; i++)
    n += (shape.widths[i] ?? 0) * (shape.widths[i + 1] ?? 0);
  return n;
}

export function lateralWeights(shape: ColumnShape): number {
  return shape.laterals.reduce((n, [r, c]) => n + r * c, 0);
}

/**
 * FLOPs of one training sample (forward + backward), counting multiply-adds as 2 FLOPs:
 *   train = 6 × W_chain + 4 × W_lateral
 * A dense layer y = x W costs 2|W| forward, 2|W| for dL/dW and 2|W| for dL/dx. The lateral
 * matrices read frozen (cached) activations, so they need no dL/dx: 4|U|. The first layer's dL/dx
 * is not needed either, but it is counted (as issue 13's "1.3 MFLOP per 4 × 256 sample" does) so the
 * figures compare; activations, dropout, biases and the optimizer update are O(width) and left out.
 * The same formula is applied to pnnc and PyTorch, so their ratio does not depend on it.
 */
export function trainFlopsPerSample(shape: ColumnShape): number {
  return 6 * chainWeights(shape) + 4 * lateralWeights(shape);
}

/** FLOPs of one inference sample (validation and test): 2 × every weight. */
export function forwardFlopsPerSample(shape: ColumnShape): number {
  return 2 * (chainWeights(shape) + lateralWeights(shape));
}

/** FLOPs of one m × k by k × n matrix product. */
export function matMulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}

/**
 * Laterals of `lateral from SOURCE into all` as src/engine/column-model.ts wires them: source hidden
 * layer i feeds target layer i + 1 (i = 1 … L−1), and the source's last hidden layer feeds the head.
 */
export function lateralsIntoAll(
  sourceHidden: readonly number[],
  targetHidden: readonly number[],
  classes: number,
): [number, number][] {
  const out: [number, number][] = [];
  for (let into = 2; into <= targetHidden.length; into++)
    out.push([sourceHidden[into - 2] ?? 0, targetHidden[into - 1] ?? 0]);
  out.push([sourceHidden.at(-1) ?? 0, classes]);
  return out;
}

/**
 * The shape of an IR column: its chain, and each linear lateral's matrix as column-model.ts builds
 * it (source hidden `into − 1`, or the source's last hidden layer for the head). Adapter laterals
 * are not counted (the paper's specs use none).
 */
export function columnShape(
  column: ColumnIr,
  columns: readonly ColumnIr[],
  inputDim: number,
  classes: number,
): ColumnShape {
  const units = (c: ColumnIr | undefined) => c?.layers.map((l) => l.units) ?? [];
  const hidden = units(column);
  const laterals: [number, number][] = [];
  for (const lateral of column.laterals) {
    if (lateral.kind !== "linear") continue;
    for (const into of lateral.into)
      for (const from of lateral.from) {
        const source = units(columns.find((c) => c.id === from));
        const rows = into === "head" ? (source.at(-1) ?? 0) : (source[into - 2] ?? 0);
        laterals.push([rows, into === "head" ? classes : (hidden[into - 1] ?? 0)]);
      }
  }
  return { widths: [inputDim, ...hidden, classes], laterals };
}

export interface Extrapolation {
  /** Runs measured and the wall seconds they took. */
  measuredRuns: number;
  measuredSeconds: number;
  /** Wall seconds of one (repeat, fold) run on one core (the measured core-seconds per run). */
  secondsPerRun: number;
  /** The 1 × 10 and 10 × 10 protocols on `workers` cores, in seconds. */
  oneByTen: number;
  tenByTen: number;
}

/**
 * From `runs` (repeat, fold) runs that took `seconds` of wall time with `busy` threads training at
 * once, to whole protocols on `workers` cores: core-seconds per run × runs ÷ workers. This assumes
 * runs of similar length and `workers` cores free (early stopping makes runs differ, and the last
 * run can leave a core idle at the end, so it is a lower bound).
 */
export function extrapolate(
  runs: number,
  seconds: number,
  busy: number,
  workers: number,
  foldsPerRepeat = 10,
): Extrapolation {
  if (runs <= 0 || busy <= 0 || workers <= 0) throw new RangeError("nothing to extrapolate from");
  const secondsPerRun = (seconds * Math.min(busy, runs)) / runs;
  const protocol = (repeats: number) => (secondsPerRun * repeats * foldsPerRepeat) / workers;
  return {
    measuredRuns: runs,
    measuredSeconds: seconds,
    secondsPerRun,
    oneByTen: protocol(1),
    tenByTen: protocol(10),
  };
}

/** What src/bench/pytorch/prognet_throughput.py prints, one JSON line per column. */
export interface TorchMeasurement {
  torch: string;
  column: 1 | 2;
  samplesPerSecond: number;
  maxRssKiB: number;
  threads: number;
}

/** The script's last JSON line, checked; a string says why it is not a measurement. */
export function parseTorchOutput(stdout: string): TorchMeasurement | string {
  const line = stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("{"))
    .at(-1);
  if (line === undefined) return "no JSON line in its output";
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return `unreadable JSON: ${(e as Error).message}`;
  }
  if (typeof v !== "object" || v === null) return "its JSON is not an object";
  const o = v as Record<string, unknown>;
  const num = (k: string) => (typeof o[k] === "number" && Number.isFinite(o[k]) ? o[k] : null);
  const sps = num("samplesPerSecond");
  const rss = num("maxRssKiB");
  const threads = num("threads");
  const column = o["column"];
  if (sps === null || sps <= 0) return "no positive samplesPerSecond";
  if (rss === null || threads === null) return "no maxRssKiB or threads";
  if (column !== 1 && column !== 2) return "column is not 1 or 2";
  return {
    torch: typeof o["torch"] === "string" ? o["torch"] : "?",
    column,
    samplesPerSecond: sps,
    maxRssKiB: rss,
    threads,
  };
}

/** Seconds as "1 h 02 min", "12.3 min" or "45.6 s". */
export function formatDuration(seconds: number): string {
  if (seconds >= 3600) {
    const minutes = Math.round(seconds / 60);
    return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
  }
  return seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(1)} s`;
}
