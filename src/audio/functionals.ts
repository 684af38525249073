/**
 * eGeMAPS's functionals over frame tracks: 3-frame smoothing (`sma3`, and `sma3nz` within voiced
 * runs only), mean, coefficient of variation, percentiles, the 20–80 range, rising and falling
 * slopes, and the voiced/unvoiced segment statistics. In: tracks (NaN = undefined). Out: numbers.
 */
import { HOP, RATE, type Track } from "./types.js";

const FRAME_SECONDS = HOP / RATE;

/** 3-frame moving average; frames outside `mask` are left out and stay NaN (eGeMAPS's `sma3nz`). */
export function smooth3(track: Track, mask?: readonly boolean[]): Track {
  const n = track.length;
  const on = (i: number) =>
    i >= 0 && i < n && (mask ? mask[i] === true : true) && Number.isFinite(track[i] ?? NaN);
  const out = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    if (!on(i)) continue;
    let sum = 0;
    let count = 0;
    for (const j of [i - 1, i, i + 1])
      if (on(j)) {
        sum += track[j] ?? 0;
        count++;
      }
    out[i] = sum / count;
  }
  return out;
}

/** The finite values of `track`, where `mask` (if given) is true. */
export function valuesOf(track: Track, mask?: readonly boolean[]): number[] {
  const out: number[] = [];
  track.forEach((v, i) => {
    if (Number.isFinite(v) && (!mask || mask[i])) out.push(v);
  });
  return out;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Population standard deviation (openSMILE's). */
export function stddev(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) ** 2;
  return Math.sqrt(sum / values.length);
}

/** eGeMAPS's `stddevNorm`: the coefficient of variation, std / |mean| (NaN when the mean is 0). */
export function stddevNorm(values: readonly number[]): number {
  const m = mean(values);
  return m === 0 ? NaN : stddev(values) / Math.abs(m);
}

/** Percentile p (0–100) by linear interpolation between the sorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] ?? NaN) + (at - lo) * ((sorted[hi] ?? NaN) - (sorted[lo] ?? NaN));
}

/**
 * Slopes of the rising and falling parts of a contour, per second: within each run of defined
 * frames, from each local minimum to the next maximum (rising) and each maximum to the next
 * minimum (falling). Both are reported as magnitudes, so a falling slope is positive.
 */
export function slopes(track: Track): { rising: number[]; falling: number[] } {
  const rising: number[] = [];
  const falling: number[] = [];
  let i = 0;
  while (i < track.length) {
    if (!Number.isFinite(track[i] ?? NaN)) {
      i++;
      continue;
    }
    let end = i;
    while (end + 1 < track.length && Number.isFinite(track[end + 1] ?? NaN)) end++;
    // Turning points of the run, its ends included.
    const turns = [i];
    for (let j = i + 1; j < end; j++) {
      const [a, b, c] = [track[j - 1] ?? 0, track[j] ?? 0, track[j + 1] ?? 0];
      if ((b > a && b >= c) || (b < a && b <= c)) turns.push(j);
    }
    if (end > i) turns.push(end);
    for (let k = 1; k < turns.length; k++) {
      const [from, to] = [turns[k - 1] ?? 0, turns[k] ?? 0];
      const change = (track[to] ?? 0) - (track[from] ?? 0);
      const perSecond = change / ((to - from) * FRAME_SECONDS);
      if (change > 0) rising.push(perSecond);
      else if (change < 0) falling.push(-perSecond);
    }
    i = end + 1;
  }
  return { rising, falling };
}

/** The ten functionals eGeMAPS takes of F0 and loudness, in its column order. */
export function contourFunctionals(track: Track): number[] {
  const values = valuesOf(track);
  const p20 = percentile(values, 20);
  const p80 = percentile(values, 80);
  const { rising, falling } = slopes(track);
  return [
    mean(values),
    stddevNorm(values),
    p20,
    percentile(values, 50),
    p80,
    p80 - p20,
    mean(rising),
    stddev(rising),
    mean(falling),
    stddev(falling),
  ];
}

/** Lengths in seconds of the runs of frames where `mask` is `want`. */
export function runLengths(mask: readonly boolean[], want: boolean): number[] {
  const out: number[] = [];
  let run = 0;
  for (const v of [...mask, !want]) {
    if (v === want) run++;
    else if (run > 0) {
      out.push(run * FRAME_SECONDS);
      run = 0;
    }
  }
  return out;
}

/** Local maxima of a track that rise above both neighbours: loudness peaks. */
export function peakCount(track: Track): number {
  let peaks = 0;
  for (let i = 1; i + 1 < track.length; i++) {
    const [a, b, c] = [track[i - 1] ?? NaN, track[i] ?? NaN, track[i + 1] ?? NaN];
    if (b > a && b > c) peaks++;
  }
  return peaks;
}
