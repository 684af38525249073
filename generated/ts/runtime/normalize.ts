/**
 * Per-run feature normalisation, fitted on the run's training rows only and applied to any rows:
 * z-score over all training rows (`global`) or per group (`per_group`; a group absent from training
 * falls back to the global statistics). Missing values (`missing mean`) become the training mean.
 * In: raw features, training rows, groups. Out: statistics, and normalised row-major float32 copies.
 */
import type { NormalizeMode } from "./vocabulary.js";

export type { NormalizeMode };

export interface Stats {
  mean: Float64Array;
  std: Float64Array;
}

export interface Normalizer {
  mode: NormalizeMode;
  global: Stats;
  byGroup: Map<string, Stats>;
}

/**
 * Mean and standard deviation per feature in two passes (the one-pass Σv² − n·m² formula cancels
 * catastrophically for large values with a small spread), skipping missing (NaN) values.
 */
function statsOf(x: Float32Array, dims: number, rows: ArrayLike<number>): Stats {
  const mean = new Float64Array(dims);
  const std = new Float64Array(dims);
  const n = new Float64Array(dims);
  const each = (f: (j: number, v: number) => void) => {
    for (let k = 0; k < rows.length; k++) {
      const base = (rows[k] ?? 0) * dims;
      for (let j = 0; j < dims; j++) {
        const v = x[base + j] ?? Number.NaN;
        if (!Number.isNaN(v)) f(j, v);
      }
    }
  };
  each((j, v) => {
    mean[j] = (mean[j] ?? 0) + v;
    n[j] = (n[j] ?? 0) + 1;
  });
  for (let j = 0; j < dims; j++) mean[j] = (n[j] ?? 0) > 0 ? (mean[j] ?? 0) / (n[j] ?? 1) : 0;
  each((j, v) => {
    const d = v - (mean[j] ?? 0);
    std[j] = (std[j] ?? 0) + d * d;
  });
  for (let j = 0; j < dims; j++) {
    const count = n[j] ?? 0;
    const variance = count > 1 ? (std[j] ?? 0) / (count - 1) : 0;
    // A constant feature is centred but not scaled (dividing by zero would make it NaN).
    std[j] = variance > 1e-24 ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
}

export function fitNormalizer(
  mode: NormalizeMode,
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
