/**
 * Voice quality per 10 ms frame: local jitter, local shimmer (dB) and HNR, in voiced frames only.
 * In: the 16 kHz signal and its pitch tracks (trackPitch). Out: three tracks, NaN where unvoiced or
 * where the context holds fewer than MIN_PERIODS glottal periods.
 *
 * Per voiced frame with F0 = f (period T0 = RATE / f samples), the context is the LONG_FRAME
 * (60 ms) frame, widened symmetrically to 5.5·T0 when F0 is so low that 60 ms holds too few
 * periods, and clipped to the signal.
 * - Periods: the first pitch mark is the largest sample in the first period of the context; from
 *   each mark M, the next period is the lag L in [0.8·T, 1.25·T] (T: the previous period, kept in
 *   [0.7·T0, 1.4·T0]) that maximises the normalised cross-correlation of the cycle starting a
 *   quarter period before M with the one L later, refined by a parabola to a fractional lag; the
 *   next mark is M + L. The chain stops at the end of the context or where that correlation falls
 *   under 0.5 (no longer periodic).
 * - Jitter (local) = mean |T_i − T_{i−1}| / mean T_i (a ratio; Praat reports it in %).
 * - Shimmer (local, dB) = mean |20·log10(A_i / A_{i−1})|, A_i the peak-to-peak amplitude of cycle
 *   i (between consecutive marks; extremes refined by parabolas).
 * - HNR = 10·log10(r / (1 − r)), r the normalised cross-correlation of the context with itself
 *   shifted by the period (the integer lag near T0 with the highest r, parabola-refined), like
 *   Praat's "To Harmonicity (cc)" and openSMILE's HNRdBACF; r is clamped to [0.001, 0.999999], so
 *   HNR lies in [−30, 60] dB.
 */
import {
  HOP,
  LONG_FRAME,
  RATE,
  type PitchTracks,
  type Signal,
  type VoiceQualityTracks,
} from "./types.js";

/** Fewer periods than this in the context → NaN jitter and shimmer. */
export const MIN_PERIODS = 3;
/** A period whose cross-correlation with the previous is below this ends the chain. */
const MIN_PERIOD_CORRELATION = 0.5;

/** Normalised cross-correlation of x[a..a+n) with x[b..b+n) (0 when either is silent). */
function ncc(x: Float32Array, a: number, b: number, n: number): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let j = 0; j < n; j++) {
    const u = x[a + j] ?? 0;
    const v = x[b + j] ?? 0;
    xy += u * v;
    xx += u * u;
    yy += v * v;
  }
  return xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
}

/** The vertex of the parabola through (−1, a), (0, b), (1, c): its offset in [−0.5, 0.5] and value. */
function vertex(a: number, b: number, c: number): { offset: number; value: number } {
  const curvature = a - 2 * b + c;
  if (curvature >= 0) return { offset: 0, value: b };
  const offset = Math.max(-0.5, Math.min(0.5, (a - c) / (2 * curvature)));
  return { offset, value: b - 0.25 * (a - c) * offset };
}

/** The lag in [lo, hi] maximising ncc(x, a, a + lag, n), parabola-refined, and that correlation. */
function bestLag(
  x: Float32Array,
  a: number,
  n: number,
  lo: number,
  hi: number,
): { lag: number; r: number } {
  let best = lo;
  let bestR = -Infinity;
  const rs = new Float64Array(hi - lo + 3);
  for (let lag = lo - 1; lag <= hi + 1; lag++) {
    const r = ncc(x, a, a + lag, n);
    rs[lag - lo + 1] = r;
    if (lag >= lo && lag <= hi && r > bestR) {
      bestR = r;
      best = lag;
    }
  }
  const { offset, value } = vertex(
    rs[best - lo] ?? 0,
    rs[best - lo + 1] ?? 0,
    rs[best - lo + 2] ?? 0,
  );
  return { lag: best + offset, r: Math.min(1, value) };
}

/** The largest (sign = 1) or smallest (sign = −1) value of x in [a, b), parabola-refined. */
function extreme(x: Float32Array, a: number, b: number, sign: 1 | -1): number {
  let at = a;
  let best = -Infinity;
  for (let j = a; j < b; j++) {
    const v = sign * (x[j] ?? 0);
    if (v > best) {
      best = v;
      at = j;
    }
  }
  const { value } = vertex(sign * (x[at - 1] ?? 0), best, sign * (x[at + 1] ?? 0));
  return sign * value;
}

/** The periods (samples, fractional) and cycle amplitudes (peak to peak) in x[start..end). */
export function glottalCycles(
  x: Float32Array,
  start: number,
  end: number,
  t0: number,
): { periods: number[]; amplitudes: number[] } {
  const periods: number[] = [];
  const amplitudes: number[] = [];
  const lead = Math.round(t0 / 4);
  let mark = start + lead;
  {
    // The first mark: the largest sample in the first period.
    let best = -Infinity;
    for (let j = start + lead; j < Math.min(end, start + lead + Math.round(t0)); j++) {
      const v = x[j] ?? 0;
      if (v > best) {
        best = v;
        mark = j;
      }
    }
  }
  let period = t0;
  for (;;) {
    const n = Math.round(period);
    const lo = Math.max(2, Math.floor(0.8 * period));
    const hi = Math.ceil(1.25 * period);
    const from = mark - lead;
    if (from < start || from + hi + 1 + n > end) break;
    const { lag, r } = bestLag(x, from, n, lo, hi);
    if (r < MIN_PERIOD_CORRELATION) break;
    const next = Math.round(mark + lag);
    periods.push(lag);
    amplitudes.push(extreme(x, mark, next, 1) - extreme(x, mark, next, -1));
    mark = next;
    period = Math.max(0.7 * t0, Math.min(1.4 * t0, lag));
  }
  return { periods, amplitudes };
}

/** Local jitter of a period sequence (ratio); NaN with fewer than MIN_PERIODS periods. */
export function jitterOf(periods: readonly number[]): number {
  if (periods.length < MIN_PERIODS) return NaN;
  let diff = 0;
  let sum = 0;
  for (let k = 0; k < periods.length; k++) {
    const p = periods[k] ?? 0;
    sum += p;
    if (k > 0) diff += Math.abs(p - (periods[k - 1] ?? 0));
  }
  return diff / (periods.length - 1) / (sum / periods.length);
}

/** Local shimmer in dB of an amplitude sequence; NaN with fewer than MIN_PERIODS amplitudes. */
export function shimmerDbOf(amplitudes: readonly number[]): number {
  if (amplitudes.length < MIN_PERIODS) return NaN;
  let sum = 0;
  for (let k = 1; k < amplitudes.length; k++) {
    const a = amplitudes[k - 1] ?? 0;
    const b = amplitudes[k] ?? 0;
    if (!(a > 0 && b > 0)) return NaN;
    sum += Math.abs(20 * Math.log10(b / a));
  }
  return sum / (amplitudes.length - 1);
}

/** HNR (dB) of x[start..end) at a period near t0 samples; NaN with fewer than 3 periods. */
export function hnrDbOf(x: Float32Array, start: number, end: number, t0: number): number {
  if (end - start < MIN_PERIODS * t0) return NaN;
  const lo = Math.max(2, Math.floor(0.9 * t0));
  const hi = Math.ceil(1.1 * t0);
  // Both segments keep the same length for every lag tried.
  const n = end - start - hi - 1;
  const { r } = bestLag(x, start, n, lo, hi);
  const clamped = Math.max(0.001, Math.min(0.999999, r));
  return 10 * Math.log10(clamped / (1 - clamped));
}

export function voiceQuality(signal: Signal, pitch: PitchTracks): VoiceQualityTracks {
  const x = signal.samples;
  const frames = pitch.f0.length;
  const jitterLocal = new Float64Array(frames).fill(NaN);
  const shimmerLocalDb = new Float64Array(frames).fill(NaN);
  const hnrDb = new Float64Array(frames).fill(NaN);
  for (let i = 0; i < frames; i++) {
    const f0 = pitch.f0[i] ?? 0;
    if (!(f0 > 0)) continue;
    const t0 = RATE / f0;
    const centre = i * HOP + LONG_FRAME / 2;
    const half = Math.max(LONG_FRAME / 2, Math.ceil(2.75 * t0));
    const start = Math.max(0, centre - half);
    const end = Math.min(x.length, centre + half);
    const { periods, amplitudes } = glottalCycles(x, start, end, t0);
    jitterLocal[i] = jitterOf(periods);
    shimmerLocalDb[i] = shimmerDbOf(amplitudes);
    hnrDb[i] = hnrDbOf(x, start, end, t0);
  }
  return { jitterLocal, shimmerLocalDb, hnrDb };
}
