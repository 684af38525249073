/**
 * Formants F1–F3 (centre frequency and bandwidth) by LPC, and harmonic levels at multiples of a given
 * F0: eGeMAPSv02's F1–F3 frequency/bandwidth/amplitude, H1−H2 and H1−A3, voiced frames only (the
 * `nz` descriptors): where f0 ≤ 0 (or is not finite) every FormantTracks value is NaN. In: a Signal
 * and its F0 track (Hz, 0 = unvoiced; missing frames read as 0). Out: FormantTracks, frameCount() long.
 *
 * LPC, per voiced frame: the central 50 ms (800 samples) of the 60 ms frame, pre-emphasised from
 * 50 Hz (α = e^(−2π·50/RATE) ≈ 0.981, as Praat), Gaussian window σ = 0.4·N/2, autocorrelation
 * method + Levinson–Durbin, order 16: two poles per kHz of the 8 kHz band (Praat instead resamples
 * to 11 kHz and uses 10, which costs more than the extra poles here). On synthetic vowels order 18
 * split /a/'s F1 at F0 = 200 Hz into two candidates and 14 or 12 were no more accurate. Pre-emphasis
 * assumes speech's falling (≈ −6 dB/oct) source-plus-radiation spectrum: on a flat impulse-train
 * source it tilts the spectrum upward and raises a low F1 by 10–20%.
 * The roots of A(z) (Aberth–Ehrlich iteration, warm-started from the previous voiced frame) give
 * candidates f = arg(z)·RATE/2π, bandwidth = −ln|z|·RATE/π; those with 90 < f < 5500 Hz and
 * bandwidth < 700 Hz, in rising frequency, are F1, F2, F3 (NaN where fewer than three remain).
 *
 * Harmonics: the power spectrum of the whole 60 ms frame (no pre-emphasis) under a Gaussian window
 * σ = 0.3·N/2 (edges at −49 dB, spectral σ ≈ 17.7 Hz) for f0 ≥ 70 Hz, and σ = 0.4·N/2 (σ ≈ 13.3 Hz,
 * a narrower lobe for closer harmonics at the cost of higher truncation sidelobes) below, zero-padded
 * to 1024. Measured on two sines (f0, 2·f0): H1−H2 within 0.1 dB for |H1−H2| ≤ 14 dB at f0 ≥ 75 Hz
 * and within 0.5 dB at 55–75 Hz; within 0.5 dB up to 40 dB at f0 ≥ 97 Hz (at lower f0 H1's skirt
 * floods an H2 that far down). Harmonic h's level is the largest bin within h·f0 ± f0/2, refined by a
 * parabola through the log power at that bin and its neighbours — exact for a Gaussian window, whose
 * transform is a Gaussian — in dB. H1 = level of h = 1, H2 of h = 2; amplitudeRelF0[k] = level of the
 * harmonic nearest F_k (h = round(F_k/f0) ≥ 1) − H1; A3 = the strongest harmonic within F3 ± 10%
 * (at least the nearest one); h1a3 = H1 − A3. Uncorrected for formant influence (as eGeMAPS). A value
 * whose formant is missing, whose harmonic lies above RATE/2, or whose frame is digital silence is
 * NaN; h1h2 needs only f0.
 */
import {
  frameStart,
  gaussianWindow,
  PowerSpectrumPlan,
  preEmphasisCoefficient,
  windowedFrame,
} from "./frames.js";
import {
  frameCount,
  LONG_FRAME,
  RATE,
  type FormantTracks,
  type Signal,
  type Track,
} from "./types.js";

export const LPC_ORDER = 16;
const LPC_LENGTH = 800;
const LPC_OFFSET = (LONG_FRAME - LPC_LENGTH) / 2;
const MIN_FORMANT_HZ = 90;
const MAX_FORMANT_HZ = 5500;
const MAX_BANDWIDTH_HZ = 700;
const HARMONIC_SIZE = 1024;
/** Below this f0 the harmonic spectrum uses the longer Gaussian (σ = 0.4·N/2). */
const LOW_F0_HZ = 70;
const TINY = 1e-30;

/** Autocorrelation r[0..order] of `x`, two lags per pass over the frame. */
function autocorrelation(x: Float64Array, order: number, r: Float64Array): void {
  const n = x.length;
  let lag = 0;
  for (; lag + 1 <= order; lag += 2) {
    let s0 = (x[lag] as number) * (x[0] as number);
    let s1 = 0;
    for (let i = lag + 1; i < n; i++) {
      const xi = x[i] as number;
      s0 += xi * (x[i - lag] as number);
      s1 += xi * (x[i - lag - 1] as number);
    }
    r[lag] = s0;
    r[lag + 1] = s1;
  }
  for (; lag <= order; lag++) {
    let s = 0;
    for (let i = lag; i < n; i++) s += (x[i] as number) * (x[i - lag] as number);
    r[lag] = s;
  }
}

const levinsonScratch = new Float64Array(64);

/**
 * Levinson–Durbin: a[0] = 1, a[1..order] with A(z) = Σ a[j]·z^−j the prediction-error filter.
 * Returns false when the frame has no energy.
 */
export function levinson(r: Float64Array, order: number, a: Float64Array): boolean {
  a.fill(0);
  a[0] = 1;
  let err = r[0] as number;
  if (!(err > 0)) return false;
  const tmp = order + 1 <= levinsonScratch.length ? levinsonScratch : new Float64Array(order + 1);
  for (let i = 1; i <= order; i++) {
    let acc = r[i] as number;
    for (let j = 1; j < i; j++) acc += (a[j] as number) * (r[i - j] as number);
    const k = -acc / err;
    for (let j = 1; j < i; j++) tmp[j] = a[j] as number;
    for (let j = 1; j < i; j++) a[j] = (tmp[j] as number) + k * (tmp[i - j] as number);
    a[i] = k;
    err *= 1 - k * k;
    if (!(err > 0)) return true;
  }
  return true;
}

const rootsDone = new Uint8Array(64);

/**
 * All complex roots of the monic polynomial z^n + c[1]·z^(n−1) + … + c[n] (c[0] = 1 ignored) by the
 * Aberth–Ehrlich simultaneous iteration (cubic convergence), written into re/im. When `warm` is
 * true re/im hold starting points (e.g. the previous frame's roots); otherwise points on a circle
 * of radius 0.9 are used (LPC roots from the autocorrelation method lie inside the unit circle).
 * Returns whether every root's last step fell below 1e-12 within 200 iterations.
 */
export function polynomialRoots(
  c: Float64Array,
  re: Float64Array,
  im: Float64Array,
  warm = false,
): boolean {
  const n = c.length - 1;
  if (!warm) {
    for (let i = 0; i < n; i++) {
      const t = (2 * Math.PI * (i + 0.25)) / n + 0.4;
      re[i] = 0.9 * Math.cos(t);
      im[i] = 0.9 * Math.sin(t);
    }
  }
  const done = n <= rootsDone.length ? rootsDone.fill(0, 0, n) : new Uint8Array(n);
  for (let iter = 0; iter < 200; iter++) {
    let moving = 0;
    for (let i = 0; i < n; i++) {
      if (done[i]) continue;
      const zr = re[i] as number;
      const zi = im[i] as number;
      // Horner for p and p'.
      let pr = 1;
      let pi = 0;
      let dr = 0;
      let di = 0;
      for (let j = 1; j <= n; j++) {
        const ndr = dr * zr - di * zi + pr;
        di = dr * zi + di * zr + pi;
        dr = ndr;
        const npr = pr * zr - pi * zi + (c[j] as number);
        pi = pr * zi + pi * zr;
        pr = npr;
      }
      // w = p / p'.
      const dd = dr * dr + di * di;
      if (dd === 0) continue;
      const wr = (pr * dr + pi * di) / dd;
      const wi = (pi * dr - pr * di) / dd;
      // s = Σ_{j≠i} 1 / (z_i − z_j).
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const ar = zr - (re[j] as number);
        const ai = zi - (im[j] as number);
        const aa = ar * ar + ai * ai;
        if (aa === 0) continue;
        sr += ar / aa;
        si -= ai / aa;
      }
      // step = w / (1 − w·s).
      const qr = 1 - (wr * sr - wi * si);
      const qi = -(wr * si + wi * sr);
      const qq = qr * qr + qi * qi;
      const stepR = qq === 0 ? wr : (wr * qr + wi * qi) / qq;
      const stepI = qq === 0 ? wi : (wi * qr - wr * qi) / qq;
      re[i] = zr - stepR;
      im[i] = zi - stepI;
      if (stepR * stepR + stepI * stepI < 1e-24) done[i] = 1;
      else moving++;
    }
    if (moving === 0) return true;
  }
  return false;
}

/** Level in dB of the strongest bin within [lo, hi] Hz, parabola-refined in the log domain. */
function peakLevel(p: Float64Array, loHz: number, hiHz: number): number {
  const binHz = RATE / HARMONIC_SIZE;
  const last = p.length - 1;
  const k0 = Math.max(1, Math.ceil(loHz / binHz));
  const k1 = Math.min(last - 1, Math.floor(hiHz / binHz));
  if (k1 < k0) return NaN;
  let best = k0;
  for (let k = k0 + 1; k <= k1; k++) if ((p[k] as number) > (p[best] as number)) best = k;
  if (!((p[best] as number) > 0)) return NaN; // digital silence: no harmonic to measure
  const ym = Math.log((p[best - 1] as number) + TINY);
  const y0 = Math.log((p[best] as number) + TINY);
  const yp = Math.log((p[best + 1] as number) + TINY);
  const curve = ym - 2 * y0 + yp;
  let peak = y0;
  if (curve < 0) {
    const d = (0.5 * (ym - yp)) / curve;
    if (Math.abs(d) <= 1) peak = y0 - 0.25 * (ym - yp) * d;
  }
  return (10 / Math.LN10) * peak;
}

/** Level (dB) of harmonic h of f0: the peak within h·f0 ± f0/2; NaN above the Nyquist frequency. */
function harmonicLevel(p: Float64Array, f0: number, h: number): number {
  if (h * f0 > RATE / 2 - f0 / 2) return NaN;
  return peakLevel(p, h * f0 - f0 / 2, h * f0 + f0 / 2);
}

/** F1–F3, bandwidths and harmonic levels of `signal` in the frames where `f0` > 0. */
export function formantTracks(signal: Signal, f0: Track): FormantTracks {
  const frames = frameCount(signal.samples.length);
  const nan = () => new Float64Array(frames).fill(NaN);
  const out: FormantTracks = {
    frequency: [nan(), nan(), nan()],
    bandwidth: [nan(), nan(), nan()],
    amplitudeRelF0: [nan(), nan(), nan()],
    h1h2: nan(),
    h1a3: nan(),
  };
  const lpcWindow = gaussianWindow(LPC_LENGTH, 0.4);
  const harmonicWindow = gaussianWindow(LONG_FRAME, 0.3);
  const lowF0Window = gaussianWindow(LONG_FRAME, 0.4);
  const alpha = preEmphasisCoefficient(50);
  const lpcFrame = new Float64Array(LPC_LENGTH);
  const plan = new PowerSpectrumPlan(HARMONIC_SIZE);
  const p = new Float64Array(HARMONIC_SIZE / 2 + 1);
  const r = new Float64Array(LPC_ORDER + 1);
  const a = new Float64Array(LPC_ORDER + 1);
  const re = new Float64Array(LPC_ORDER);
  const im = new Float64Array(LPC_ORDER);
  const candF = new Float64Array(LPC_ORDER);
  const candB = new Float64Array(LPC_ORDER);
  let warm = false;
  for (let i = 0; i < frames; i++) {
    const pitch = f0[i] ?? 0;
    if (!(pitch > 0) || !Number.isFinite(pitch)) {
      warm = false;
      continue;
    }
    // Formants by LPC.
    windowedFrame(signal.samples, frameStart(i) + LPC_OFFSET, lpcWindow, lpcFrame, alpha);
    const formants: number[] = [NaN, NaN, NaN];
    autocorrelation(lpcFrame, LPC_ORDER, r);
    r[0] = (r[0] as number) * (1 + 1e-9);
    if (levinson(r, LPC_ORDER, a)) {
      // A warm start that fails to settle (a jump between frames) is retried from the circle.
      if (!polynomialRoots(a, re, im, warm) && warm) polynomialRoots(a, re, im, false);
      warm = true;
      let count = 0;
      for (let j = 0; j < LPC_ORDER; j++) {
        const zi = im[j] as number;
        if (!(zi > 0)) continue;
        const zr = re[j] as number;
        const f = (Math.atan2(zi, zr) * RATE) / (2 * Math.PI);
        const bw = (-Math.log(Math.hypot(zr, zi)) * RATE) / Math.PI;
        if (f > MIN_FORMANT_HZ && f < MAX_FORMANT_HZ && bw > 0 && bw < MAX_BANDWIDTH_HZ) {
          // Insertion sort by frequency.
          let k = count++;
          while (k > 0 && (candF[k - 1] as number) > f) {
            candF[k] = candF[k - 1] as number;
            candB[k] = candB[k - 1] as number;
            k--;
          }
          candF[k] = f;
          candB[k] = bw;
        }
      }
      for (let k = 0; k < 3 && k < count; k++) {
        out.frequency[k as 0 | 1 | 2][i] = candF[k] as number;
        out.bandwidth[k as 0 | 1 | 2][i] = candB[k] as number;
        formants[k] = candF[k] as number;
      }
    } else {
      warm = false;
    }
    // Harmonic levels.
    const w = pitch < LOW_F0_HZ ? lowF0Window : harmonicWindow;
    windowedFrame(signal.samples, frameStart(i), w, plan.input);
    plan.power(p);
    const h1 = harmonicLevel(p, pitch, 1);
    out.h1h2[i] = h1 - harmonicLevel(p, pitch, 2);
    for (let k = 0; k < 3; k++) {
      const fk = formants[k] as number;
      if (!(fk > 0)) continue;
      const h = Math.max(1, Math.round(fk / pitch));
      out.amplitudeRelF0[k as 0 | 1 | 2][i] = harmonicLevel(p, pitch, h) - h1;
    }
    const f3 = formants[2] as number;
    if (f3 > 0) {
      const nearest = Math.max(1, Math.round(f3 / pitch));
      let a3 = -Infinity;
      const lo = Math.min(nearest, Math.max(1, Math.ceil((0.9 * f3) / pitch)));
      const hi = Math.max(nearest, Math.floor((1.1 * f3) / pitch));
      for (let h = lo; h <= hi; h++) {
        const level = harmonicLevel(p, pitch, h);
        if (level > a3) a3 = level;
      }
      out.h1a3[i] = a3 > -Infinity ? h1 - a3 : NaN;
    }
  }
  return out;
}
