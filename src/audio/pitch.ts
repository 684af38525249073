/**
 * F0 per 10 ms frame by YIN (de Cheveigné & Kawahara 2002) on the 60 ms long frames.
 * In: a mono 16 kHz signal. Out: F0 in Hz (0 = unvoiced) and voicing strength (1 − the YIN dip).
 */
import FFT from "fft.js";
import { HOP, LONG_FRAME, RATE, frameCount, type PitchTracks, type Signal } from "./types.js";

/*
 * How:
 * Per frame i (samples [i·HOP, i·HOP + LONG_FRAME)):
 * 1. the difference function d(τ) = Σ_{j<W} (x_j − x_{j+τ})² for τ = 1..τmax+1, with the
 *    integration window W = LONG_FRAME − τmax − 1 (668 samples, 42 ms: over 2 periods at the floor);
 *    the cross term Σ x_j·x_{j+τ} comes from one FFT correlation (size 1024), the energy terms from
 *    prefix sums, so a frame costs three 1024-point transforms instead of ~200k multiply-adds;
 * 2. the cumulative mean normalised difference d'(τ) = d(τ)·τ / Σ_{k≤τ} d(k);
 * 3. the absolute threshold: no d'(τ) under YIN_THRESHOLD → unvoiced (0.45, the same value
 *    as Praat's voicing threshold on r, as d' ≈ 1 − r; on espeak-ng speech it voices
 *    within 0.09 of Praat's fraction of frames, where 0.2 missed a third of low-pitched voicing;
 *    white noise, whose deepest dip is near 0.8, stays unvoiced); else the first τ ≥ τmin with
 *    d'(τ) < min(YIN_THRESHOLD, deepest dip + OCTAVE_MARGIN), then down to the bottom of that dip
 *    (so a shallow dip at half the period does not beat a deep one at the period);
 * 4. parabolic interpolation of d around the chosen lag → a fractional period;
 * 5. voiced only when the frame's RMS is also within ENERGY_FLOOR_DB of the loudest frame and above
 *    an absolute floor (digital silence, fades and breath are unvoiced).
 * Then a light clean-up: a median of 3 over F0 wherever three consecutive frames are voiced
 * (removes single-frame octave jumps, leaves monotone glides unchanged) and voiced runs of a single
 * frame become unvoiced. No Viterbi or octave-cost tracking: keep it simple and fast.
 *
 * F0 search range: 55–1000 Hz (τ from 16 to 291 samples), covering low male voices to children's.
 */

/** Lowest and highest F0 searched, in Hz. */
export const F0_FLOOR = 55;
export const F0_CEILING = 1000;
/** YIN's absolute threshold on the cumulative mean normalised difference (voicing). */
export const YIN_THRESHOLD = 0.45;
/** The period is the first dip no more than this above the deepest one. */
export const OCTAVE_MARGIN = 0.1;
/** Frames quieter than the loudest frame by more than this (dB RMS) are unvoiced. */
export const ENERGY_FLOOR_DB = 40;
/** And frames with an RMS under this (≈ −80 dBFS) are unvoiced whatever the loudest frame. */
const ABSOLUTE_RMS_FLOOR = 1e-4;

const TAU_MIN = Math.floor(RATE / F0_CEILING);
const TAU_MAX = Math.ceil(RATE / F0_FLOOR);
/** The integration window: x[0..W) against x[τ..τ+W) for every τ ≤ TAU_MAX + 1 stays in the frame. */
const W = LONG_FRAME - TAU_MAX - 1;
const N = 1024;

/** One frame's YIN result: the period in samples (fractional) and the dip d'(τ) at it. */
export interface YinFrame {
  period: number;
  dip: number;
}

class Yin {
  private readonly fft = new FFT(N);
  private readonly input = new Float64Array(N);
  private readonly specX = new Float64Array(2 * N);
  private readonly specA = new Float64Array(2 * N);
  private readonly prod = new Float64Array(2 * N);
  private readonly corr = new Float64Array(2 * N);
  private readonly prefix = new Float64Array(LONG_FRAME + 1);
  readonly d = new Float64Array(TAU_MAX + 2);
  readonly cmnd = new Float64Array(TAU_MAX + 2);

  /** d(τ) for τ = 0..TAU_MAX+1 of the LONG_FRAME samples of `x` from `start`. */
  difference(x: Float32Array, start: number): void {
    const { fft, input, specX, specA, prod, corr, prefix, d } = this;
    prefix[0] = 0;
    for (let j = 0; j < LONG_FRAME; j++) {
      const v = x[start + j] ?? 0;
      prefix[j + 1] = (prefix[j] ?? 0) + v * v;
    }
    input.fill(0);
    for (let j = 0; j < LONG_FRAME; j++) input[j] = x[start + j] ?? 0;
    fft.realTransform(specX, input);
    fft.completeSpectrum(specX);
    input.fill(0, W);
    fft.realTransform(specA, input);
    fft.completeSpectrum(specA);
    // conj(A)·X → Σ_j a_j·x_{j+τ}; no wrap-around since W + TAU_MAX + 1 ≤ LONG_FRAME ≤ N.
    for (let k = 0; k < N; k++) {
      const ar = specA[2 * k] ?? 0;
      const ai = specA[2 * k + 1] ?? 0;
      const xr = specX[2 * k] ?? 0;
      const xi = specX[2 * k + 1] ?? 0;
      prod[2 * k] = ar * xr + ai * xi;
      prod[2 * k + 1] = ar * xi - ai * xr;
    }
    fft.inverseTransform(corr, prod);
    const e0 = prefix[W] ?? 0;
    for (let tau = 0; tau <= TAU_MAX + 1; tau++) {
      const eTau = (prefix[tau + W] ?? 0) - (prefix[tau] ?? 0);
      d[tau] = Math.max(0, e0 + eTau - 2 * (corr[2 * tau] ?? 0));
    }
    d[0] = 0;
  }

  /** Steps 2–4 on the current d: the period and its dip (period 0 when no dip is under the threshold). */
  pick(): YinFrame {
    const { d, cmnd } = this;
    cmnd[0] = 1;
    let running = 0;
    for (let tau = 1; tau <= TAU_MAX + 1; tau++) {
      const v = d[tau] ?? 0;
      running += v;
      cmnd[tau] = running > 0 ? (v * tau) / running : 1;
    }
    let min = Infinity;
    for (let tau = TAU_MIN; tau <= TAU_MAX; tau++) min = Math.min(min, cmnd[tau] ?? 1);
    // No dip under the threshold: unvoiced, with the deepest dip as its strength.
    if (!(min < YIN_THRESHOLD)) return { period: 0, dip: Math.min(1, min) };
    // The first dip within OCTAVE_MARGIN of the deepest one (and under the threshold): a shallow
    // dip at half the period no longer wins over a deep one at the period (octave-up errors).
    const threshold = Math.min(YIN_THRESHOLD, min + OCTAVE_MARGIN);
    let best = TAU_MIN;
    for (let tau = TAU_MIN; tau <= TAU_MAX; tau++) {
      if ((cmnd[tau] ?? 1) < threshold) {
        while (tau + 1 <= TAU_MAX && (cmnd[tau + 1] ?? 1) < (cmnd[tau] ?? 1)) tau++;
        best = tau;
        break;
      }
    }
    const a = d[best - 1] ?? 0;
    const b = d[best] ?? 0;
    const c = d[best + 1] ?? 0;
    const curvature = a - 2 * b + c;
    const shift = curvature > 0 ? Math.max(-0.5, Math.min(0.5, (a - c) / (2 * curvature))) : 0;
    return { period: best + shift, dip: Math.max(0, cmnd[best] ?? 0) };
  }
}

function frameRms(x: Float32Array, start: number): number {
  let sum = 0;
  for (let j = 0; j < LONG_FRAME; j++) {
    const v = x[start + j] ?? 0;
    sum += v * v;
  }
  return Math.sqrt(sum / LONG_FRAME);
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

export function trackPitch(signal: Signal): PitchTracks {
  const x = signal.samples;
  const frames = frameCount(x.length);
  const raw = new Float64Array(frames);
  const voicing = new Float64Array(frames);
  const rms = new Float64Array(frames);
  let loudest = 0;
  for (let i = 0; i < frames; i++) {
    rms[i] = frameRms(x, i * HOP);
    loudest = Math.max(loudest, rms[i] ?? 0);
  }
  const floor = Math.max(ABSOLUTE_RMS_FLOOR, loudest * 10 ** (-ENERGY_FLOOR_DB / 20));
  const yin = new Yin();
  for (let i = 0; i < frames; i++) {
    if ((rms[i] ?? 0) < floor) continue;
    yin.difference(x, i * HOP);
    const { period, dip } = yin.pick();
    voicing[i] = 1 - dip;
    if (period > 0) raw[i] = RATE / period;
  }
  const f0 = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    const here = raw[i] ?? 0;
    if (here === 0) continue;
    const before = i > 0 ? (raw[i - 1] ?? 0) : 0;
    const after = i + 1 < frames ? (raw[i + 1] ?? 0) : 0;
    if (before === 0 && after === 0) continue; // a lone voiced frame
    f0[i] = before > 0 && after > 0 ? median3(before, here, after) : here;
  }
  return { f0, voicing };
}
