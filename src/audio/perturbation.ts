/**
 * Voice quality per 10 ms frame: local jitter, local shimmer (dB) and HNR, in voiced frames only.
 * In: the 16 kHz signal and its pitch tracks (trackPitch). Out: three tracks, NaN where unvoiced or
 * where the context holds fewer than MIN_PERIODS glottal cycles.
 */
import {
  HOP,
  LONG_FRAME,
  RATE,
  type PitchTracks,
  type Signal,
  type VoiceQualityTracks,
} from "./types.js";

/*
 * How:
 * - Cycles (pitch marks), found once per run of consecutive voiced frames, over the samples those
 *   frames cover: the first mark is the largest sample in the first period; from each mark M, the
 *   next period is the lag L in [0.8·T, 1.25·T] (T: the previous period, kept within
 *   [0.7·T0, 1.4·T0] of the local YIN period T0) that maximises the normalised cross-correlation
 *   of the cycle starting a quarter period before M with the one L later, refined by a parabola to
 *   a fractional lag; the next mark is M + L. Where that correlation falls under 0.5 (not periodic)
 *   the chain ends and a new one starts a period later; periods of different chains are never
 *   compared.
 * - Each frame's context is its LONG_FRAME (60 ms), widened symmetrically to 5.5·T0 when F0 is so
 *   low that 60 ms holds too few periods; it takes the cycles lying wholly inside.
 * - Jitter (local) = mean |T_i − T_{i−1}| / mean T_i (a ratio; Praat shows it in %).
 * - Shimmer (local, dB) = mean |20·log10(A_i / A_{i−1})|, A_i the peak-to-peak amplitude of cycle
 *   i (between consecutive marks; extremes refined by parabolas).
 * - As Praat, pairs of periods differing by more than 1.3× (amplitudes by more than 1.6×) are left
 *   out of jitter (shimmer): onsets and missed marks, not perturbation.
 * - HNR = 10·log10(r / (1 − r)), r the normalised cross-correlation of the 20 ms (at least 1.5
 *   periods) around the frame centre with the same shifted by the period (the integer lag within
 *   ±10% of T0 with the highest r, parabola-refined), as Praat's "To Harmonicity (cc)" (short
 *   windows) and openSMILE's HNRdBACF; r is clamped to [0.001, 0.999999], so HNR lies in
 *   [−30, 60] dB.
 */

/** Fewer periods than this in the context → NaN jitter and shimmer. */
export const MIN_PERIODS = 3;
/** A period whose cross-correlation with the previous is below this ends the chain. */
const MIN_PERIOD_CORRELATION = 0.5;
/** Praat's defaults: consecutive periods (amplitudes) differing by more than this factor are not
 * compared (a voicing onset, a missed or extra mark), for jitter (shimmer). */
const PERIOD_FACTOR = 1.3;
const AMPLITUDE_FACTOR = 1.6;

function ratio(a: number, b: number): number {
  return a > b ? a / b : b / a;
}

/** HNR's correlation window: at least this many samples and HNR_PERIODS periods. */
const HNR_WINDOW = 320;
const HNR_PERIODS = 1.5;

/** Σ x_j² over [a, a + n). */
function energy(x: Float32Array, a: number, n: number): number {
  let sum = 0;
  for (let j = a; j < a + n; j++) {
    const v = x[j] ?? 0;
    sum += v * v;
  }
  return sum;
}

/** Σ x_{a+j}·x_{b+j} over j < n. */
function dot(x: Float32Array, a: number, b: number, n: number): number {
  let sum = 0;
  for (let j = 0; j < n; j++) sum += (x[a + j] ?? 0) * (x[b + j] ?? 0);
  return sum;
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
  // The normalised cross-correlation of x[a..a+n) with x[a+lag..a+lag+n); the shifted window's
  // energy slides from lag to lag.
  const xx = energy(x, a, n);
  let yy = energy(x, a + lo - 1, n);
  for (let lag = lo - 1; lag <= hi + 1; lag++) {
    if (lag > lo - 1) {
      const out = x[a + lag - 1] ?? 0;
      const into = x[a + lag + n - 1] ?? 0;
      yy = Math.max(0, yy - out * out + into * into);
    }
    const r = xx > 0 && yy > 0 ? dot(x, a, a + lag, n) / Math.sqrt(xx * yy) : 0;
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

/** One glottal cycle: where its pitch mark is (sample), its period (fractional samples), its
 * peak-to-peak amplitude, and the chain it belongs to (periods are compared within a chain only). */
export interface Cycle {
  start: number;
  period: number;
  amplitude: number;
  chain: number;
}

/** The index of the largest sample of x in [from, from + length) ∩ [0, end). */
function largest(x: Float32Array, from: number, length: number, end: number): number {
  let at = from;
  let best = -Infinity;
  for (let j = from; j < Math.min(end, from + length); j++) {
    const v = x[j] ?? 0;
    if (v > best) {
      best = v;
      at = j;
    }
  }
  return at;
}

/**
 * The glottal cycles of x[start..end), a stretch of voiced frames, with `t0At(sample)` the expected
 * period (samples) there. A chain whose next period correlates under MIN_PERIOD_CORRELATION
 * ends; a new one starts a period later at the largest sample.
 */
export function glottalCycles(
  x: Float32Array,
  start: number,
  end: number,
  t0At: (sample: number) => number,
): Cycle[] {
  const cycles: Cycle[] = [];
  let chain = 0;
  let t0 = t0At(start);
  let mark = largest(x, start + Math.round(t0 / 4), Math.round(t0), end);
  let period = t0;
  for (;;) {
    t0 = t0At(mark);
    period = Math.max(0.7 * t0, Math.min(1.4 * t0, period));
    const lead = Math.round(period / 4);
    const n = Math.round(period);
    const lo = Math.max(2, Math.floor(0.8 * period));
    const hi = Math.ceil(1.25 * period);
    const from = Math.max(start, mark - lead);
    if (from + hi + 1 + n > end) break;
    const { lag, r } = bestLag(x, from, n, lo, hi);
    if (r < MIN_PERIOD_CORRELATION) {
      chain++;
      mark = largest(x, mark + Math.round(t0), Math.round(t0), end);
      period = t0;
      continue;
    }
    const next = Math.round(mark + lag);
    const amplitude = extreme(x, mark, next, 1) - extreme(x, mark, next, -1);
    cycles.push({ start: mark, period: lag, amplitude, chain });
    mark = next;
    period = lag;
  }
  return cycles;
}

/** Local jitter of consecutive cycles (ratio); NaN with fewer than MIN_PERIODS cycles. */
export function jitterOf(cycles: readonly Cycle[]): number {
  if (cycles.length < MIN_PERIODS) return NaN;
  let diff = 0;
  let pairs = 0;
  let sum = 0;
  for (let k = 0; k < cycles.length; k++) {
    const c = cycles[k];
    if (!c) continue;
    sum += c.period;
    const previous = cycles[k - 1];
    if (
      previous &&
      previous.chain === c.chain &&
      ratio(c.period, previous.period) <= PERIOD_FACTOR
    ) {
      diff += Math.abs(c.period - previous.period);
      pairs++;
    }
  }
  return pairs < MIN_PERIODS - 1 ? NaN : diff / pairs / (sum / cycles.length);
}

/** Local shimmer (dB) of consecutive cycles; NaN with fewer than MIN_PERIODS cycles. */
export function shimmerDbOf(cycles: readonly Cycle[]): number {
  if (cycles.length < MIN_PERIODS) return NaN;
  let sum = 0;
  let pairs = 0;
  for (let k = 1; k < cycles.length; k++) {
    const a = cycles[k - 1];
    const b = cycles[k];
    if (!a || !b || a.chain !== b.chain) continue;
    if (!(a.amplitude > 0 && b.amplitude > 0)) continue;
    if (ratio(a.amplitude, b.amplitude) > AMPLITUDE_FACTOR) continue;
    sum += Math.abs(20 * Math.log10(b.amplitude / a.amplitude));
    pairs++;
  }
  return pairs < MIN_PERIODS - 1 ? NaN : sum / pairs;
}

/**
 * HNR (dB) at a period near t0 samples from the correlation of the `length` samples centred on
 * `centre` with the same shifted by the period; NaN when x cannot hold that.
 */
export function hnrDbOf(x: Float32Array, centre: number, length: number, t0: number): number {
  const lo = Math.max(2, Math.floor(0.9 * t0));
  const hi = Math.ceil(1.1 * t0);
  const from = Math.round(centre - (length + t0) / 2);
  if (from - 1 < 0 || from + hi + 1 + length > x.length) return NaN;
  const { r } = bestLag(x, from, length, lo, hi);
  const clamped = Math.max(0.001, Math.min(0.999999, r));
  return 10 * Math.log10(clamped / (1 - clamped));
}

/** The first index in sorted cycles whose start is ≥ sample. */
function firstAtOrAfter(cycles: readonly Cycle[], sample: number): number {
  let lo = 0;
  let hi = cycles.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cycles[mid]?.start ?? Infinity) < sample) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function voiceQuality(signal: Signal, pitch: PitchTracks): VoiceQualityTracks {
  const x = signal.samples;
  const f0 = pitch.f0;
  const frames = f0.length;
  const jitterLocal = new Float64Array(frames).fill(NaN);
  const shimmerLocalDb = new Float64Array(frames).fill(NaN);
  const hnrDb = new Float64Array(frames).fill(NaN);
  for (let first = 0; first < frames; first++) {
    if (!((f0[first] ?? 0) > 0)) continue;
    let last = first;
    while (last + 1 < frames && (f0[last + 1] ?? 0) > 0) last++;
    // One run of voiced frames: its cycles once, then each frame takes those in its context.
    const t0At = (sample: number): number => {
      const k = Math.round((sample - LONG_FRAME / 2) / HOP);
      return RATE / (f0[Math.max(first, Math.min(last, k))] ?? 1);
    };
    const runStart = first * HOP;
    const runEnd = Math.min(x.length, last * HOP + LONG_FRAME);
    const cycles = glottalCycles(x, runStart, runEnd, t0At);
    for (let i = first; i <= last; i++) {
      const t0 = RATE / (f0[i] ?? 1);
      const centre = i * HOP + LONG_FRAME / 2;
      const half = Math.max(LONG_FRAME / 2, Math.ceil(2.75 * t0));
      const from = firstAtOrAfter(cycles, centre - half);
      let to = from;
      while (to < cycles.length) {
        const c = cycles[to];
        if (!c || c.start + c.period > centre + half) break;
        to++;
      }
      const inside = cycles.slice(from, to);
      jitterLocal[i] = jitterOf(inside);
      shimmerLocalDb[i] = shimmerDbOf(inside);
      hnrDb[i] = hnrDbOf(x, centre, Math.max(HNR_WINDOW, Math.round(HNR_PERIODS * t0)), t0);
    }
    first = last;
  }
  return { jitterLocal, shimmerLocalDb, hnrDb };
}
