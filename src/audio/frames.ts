/**
 * Framing and analysis windows for the extractor's DSP modules. In: a Signal's samples and a frame
 * index on the shared 10 ms grid (types.ts). Out: windowed (optionally pre-emphasised) frames in
 * caller-owned buffers, and cached window shapes. Frame i starts at i·HOP whatever its length.
 */
import FFT from "fft.js";
import { HOP, RATE } from "./types.js";

const windows = new Map<string, Float64Array>();

function cached(key: string, make: () => Float64Array): Float64Array {
  let w = windows.get(key);
  if (!w) {
    w = make();
    windows.set(key, w);
  }
  return w;
}

/** Symmetric Hamming window 0.54 − 0.46·cos(2πn/(N−1)), as openSMILE's `ham`. Shared: do not mutate. */
export function hammingWindow(length: number): Float64Array {
  return cached(`ham:${length}`, () => {
    const w = new Float64Array(length);
    const d = Math.max(1, length - 1);
    for (let n = 0; n < length; n++) w[n] = 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / d);
    return w;
  });
}

/** Symmetric Hann window 0.5 − 0.5·cos(2πn/(N−1)). Shared: do not mutate. */
export function hannWindow(length: number): Float64Array {
  return cached(`hann:${length}`, () => {
    const w = new Float64Array(length);
    const d = Math.max(1, length - 1);
    for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / d);
    return w;
  });
}

/**
 * Gaussian window exp(−½·((n − (N−1)/2) / (σ·(N−1)/2))²): `sigma` is σ as a fraction of the half
 * length (openSMILE's `gauss` default 0.4, edges at e^−3.1 ≈ 0.044). Its transform is itself a
 * Gaussian (σ_f = RATE / (2π·σ·(N−1)/2) Hz), so log-power peaks are parabolas (see formants.ts).
 * Shared: do not mutate.
 */
export function gaussianWindow(length: number, sigma = 0.4): Float64Array {
  return cached(`gauss:${length}:${sigma}`, () => {
    const w = new Float64Array(length);
    const half = Math.max(1, length - 1) / 2;
    const s = sigma * half;
    for (let n = 0; n < length; n++) {
      const t = (n - half) / s;
      w[n] = Math.exp(-0.5 * t * t);
    }
    return w;
  });
}

/** First-order pre-emphasis coefficient boosting above `fromHz` (Praat's convention): e^(−2π·f/RATE). */
export function preEmphasisCoefficient(fromHz: number): number {
  return Math.exp((-2 * Math.PI * fromHz) / RATE);
}

/** y[n] = x[n] − α·x[n−1], with x[−1] = x[0] (no start-up step). Writes into `out` when given. */
export function preEmphasize(
  samples: ArrayLike<number>,
  coefficient: number,
  out = new Float64Array(samples.length),
): Float64Array {
  let prev = samples.length > 0 ? (samples[0] ?? 0) : 0;
  for (let n = 0; n < samples.length; n++) {
    const x = samples[n] ?? 0;
    out[n] = x - coefficient * prev;
    prev = x;
  }
  return out;
}

/** First sample of frame `index` on the shared grid. */
export function frameStart(index: number): number {
  return index * HOP;
}

/**
 * Copies samples [start, start + window.length) into `out`, pre-emphasised by `preEmphasis` (0 =
 * none; the sample before `start` is used when there is one, else x[−1] = x[0]) and multiplied by
 * `window`. Samples past the signal's end read as 0. Returns `out`.
 */
export function windowedFrame(
  samples: Float32Array,
  start: number,
  window: Float64Array,
  out: Float64Array,
  preEmphasis = 0,
): Float64Array {
  const length = window.length;
  const end = Math.min(length, samples.length - start);
  if (preEmphasis === 0) {
    for (let n = 0; n < end; n++) out[n] = (samples[start + n] as number) * (window[n] as number);
  } else {
    let prev = start > 0 ? (samples[start - 1] as number) : (samples[start] ?? 0);
    for (let n = 0; n < end; n++) {
      const x = samples[start + n] as number;
      out[n] = (x - preEmphasis * prev) * (window[n] as number);
      prev = x;
    }
  }
  for (let n = Math.max(0, end); n < length; n++) out[n] = 0;
  return out;
}

/** The smallest power of two ≥ n (fft.js needs one, and at least 4). */
export function fftSize(n: number): number {
  let size = 4;
  while (size < n) size *= 2;
  return size;
}

/**
 * A fixed-size power spectrum, planned once for a hot per-frame loop (allocating per call cost
 * 3–4× the transform itself at these sizes). Fill `input` (length `size`, a power of two ≥ 4) from 0 — with windowedFrame(…, plan.input) — and
 * leave the rest zero (it starts zero and only the caller writes it); power() then gives
 * scale·|X(k)|², k = 0..size/2.
 */
export class PowerSpectrumPlan {
  readonly input: Float64Array;
  private readonly fft: FFT;
  private readonly spectrum: Float64Array;

  constructor(readonly size: number) {
    this.fft = new FFT(size);
    this.input = new Float64Array(size);
    this.spectrum = new Float64Array(2 * size);
  }

  power(out = new Float64Array(this.size / 2 + 1), scale = 1): Float64Array {
    const x = this.spectrum;
    this.fft.realTransform(x, this.input);
    const half = this.size / 2;
    for (let k = 0; k <= half; k++) {
      const re = x[2 * k] as number;
      const im = x[2 * k + 1] as number;
      out[k] = (re * re + im * im) * scale;
    }
    return out;
  }
}

/** One-off |X(k)|², k = 0..size/2, of `frame` zero-padded to a power of two (tests, analysis). */
export function powerSpectrum(
  frame: ArrayLike<number>,
  size = fftSize(frame.length),
): Float64Array {
  const plan = new PowerSpectrumPlan(size);
  for (let i = 0; i < Math.min(frame.length, size); i++) plan.input[i] = frame[i] ?? 0;
  return plan.power();
}
