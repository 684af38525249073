/**
 * Per-run feature normalisation, fitted on the run's training rows only and applied to any rows:
 * z-score over all training rows (`global`) or per group (`per_group`; a group absent from training
 * falls back to the global statistics). Missing values (`missing mean`) become the training mean.
 * In: raw features, training rows, groups. Out: statistics, and normalised row-major float32 copies.
 */
import type { DatasetIr } from "../ir/types.js";

export interface Stats {
  mean: Float64Array;
  std: Float64Array;
}

export interface Normalizer {
  mode: DatasetIr["normalize"];
  global: Stats;
  byGroup: Map<string, Stats>;
}

function statsOf(x: Float32Array, dims: number, rows: Iterable<number>): Stats {
  const sum = new Float64Array(dims);
  const sq = new Float64Array(dims);
  const n = new Float64Array(dims);
  for (const r of rows) {
    for (let j = 0; j < dims; j++) {
      const v = x[r * dims + j] ?? Number.NaN;
      if (Number.isNaN(v)) continue;
      sum[j] = (sum[j] ?? 0) + v;
      sq[j] = (sq[j] ?? 0) + v * v;
      n[j] = (n[j] ?? 0) + 1;
    }
  }
  const mean = new Float64Array(dims);
  const std = new Float64Array(dims);
  for (let j = 0; j < dims; j++) {
    const count = n[j] ?? 0;
    const m = count > 0 ? (sum[j] ?? 0) / count : 0;
    const variance = count > 1 ? Math.max(0, ((sq[j] ?? 0) - count * m * m) / (count - 1)) : 0;
    mean[j] = m;
    // A constant feature is centred but not scaled (dividing by zero would make it NaN).
    std[j] = variance > 1e-24 ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
}

export function fitNormalizer(
  mode: DatasetIr["normalize"],
  x: Float32Array,
  dims: number,
  trainRows: Int32Array,
  groups: readonly string[] | null,
): Normalizer {
  const global = statsOf(x, dims, trainRows);
  const byGroup = new Map<string, Stats>();
  if (mode === "per_group" && groups) {
    const rowsOf = new Map<string, number[]>();
    for (const r of trainRows) {
      const g = groups[r] ?? "";
      const list = rowsOf.get(g);
      if (list) list.push(r);
      else rowsOf.set(g, [r]);
    }
    for (const [g, rows] of rowsOf) byGroup.set(g, statsOf(x, dims, rows));
  }
  return { mode, global, byGroup };
}

/** The given rows, normalised, as a new row-major matrix. */
export function applyNormalizer(
  norm: Normalizer,
  x: Float32Array,
  dims: number,
  rows: Int32Array,
  groups: readonly string[] | null,
): Float32Array {
  const out = new Float32Array(rows.length * dims);
  rows.forEach((r, k) => {
    const stats = (norm.mode === "per_group" && norm.byGroup.get(groups?.[r] ?? "")) || norm.global;
    for (let j = 0; j < dims; j++) {
      const raw = x[r * dims + j] ?? Number.NaN;
      const mean = stats.mean[j] ?? 0;
      const v = Number.isNaN(raw) ? mean : raw;
      out[k * dims + j] = norm.mode === "none" ? v : (v - mean) / (stats.std[j] ?? 1);
    }
  });
  return out;
}
