/**
 * eGeMAPSv02's spectral (balance) and energy LLDs on 25 ms Hamming frames of the 10 ms grid: loudness,
 * alpha ratio, Hammarberg index, spectral slopes 0–500 / 500–1500 Hz, spectral flux, and MFCC 1–4
 * (mfcc.ts) from the same spectrum. In: a Signal at RATE. Out: SpectralTracks, frameCount() long.
 */
import { frameStart, hammingWindow, PowerSpectrumPlan, windowedFrame } from "./frames.js";
import { applyFilterbank, mfccFromPower, triangularFilterbank } from "./mfcc.js";
import {
  frameCount,
  RATE,
  SHORT_FRAME,
  type Signal,
  type SpectralTracks,
  type Track,
} from "./types.js";

/*
 * How:
 * Per frame, with y = hamming·x (N = 400) zero-padded to 512, the power spectrum is scaled so that
 * its bins sum to the frame's mean square: P[k] = 2·|Y[k]|² / (512·Σw²) (bin width 31.25 Hz). Then
 *  - loudness = Σ_b (EL(f_b)·E_b)^0.33 over 26 triangular Bark bands 20–8000 Hz (Bark = 6·asinh(f/600),
 *    edges equally spaced in Bark; E_b = Σ_k w_b(k)·P[k]), EL = Hermansky's PLP equal-loudness curve
 *    EL(ω) = (ω² + 56.8e6)·ω⁴ / ((ω² + 6.3e6)²·(ω² + 0.38e9)), ω = 2π·f_b — openSMILE's auditory
 *    spectrum (cMelspec bark + cPlp doAud, compression 0.33) summed (ll1). It scales as amplitude^0.66
 *    exactly, and depends on the frame only, not on the signal's length; silence gives 0.
 *  - alphaRatio = 10·log10((Σ P, 50 ≤ f < 1000 Hz) / (Σ P, 1000 ≤ f ≤ 5000 Hz)) in dB;
 *  - hammarberg = 10·log10(max P over 0 < f < 2000 Hz / max P over 2000 ≤ f ≤ 5000 Hz) in dB (the DC
 *    bin is left out so an offset cannot be the peak);
 *  - slope0to500 / slope500to1500: least-squares slope of 10·log10(P + floor) against f over the bins
 *    in [0, 500] / [500, 1500] Hz, in dB/Hz (floor = 1e-10 × mean P + 1e-30, gain-invariant);
 *  - spectralFlux = Σ_k (m_t[k] − m_{t−1}[k])², m = |Y| / Σ_k |Y[k]| (L1-normalised magnitudes over
 *    all 257 bins, so 0 ≤ flux ≤ 2 and gain does not matter); frame 0, and a silent frame's m, count
 *    as all zeros (frame 0's flux is 0).
 * Ratios add 1e-30 to numerator and denominator, so silence gives 0 dB instead of NaN: every track is
 * finite for every input.
 */

const SIZE = 512;
const BINS = SIZE / 2 + 1;
const BIN_HZ = RATE / SIZE;
const BARK_BANDS = 26;
const COMPRESSION = 0.33;
const TINY = 1e-30;

/** Hermansky's (1990) PLP equal-loudness weight at f Hz (→ 1 at high frequencies). */
export function equalLoudness(f: number): number {
  const w2 = (2 * Math.PI * f) ** 2;
  return ((w2 + 56.8e6) * w2 * w2) / ((w2 + 6.3e6) ** 2 * (w2 + 0.38e9));
}

const bark = (f: number) => 6 * Math.asinh(f / 600);
const barkHz = (b: number) => 600 * Math.sinh(b / 6);

const barkBank = (() => {
  const lo = bark(20);
  const hi = bark(8000);
  const edges = new Float64Array(BARK_BANDS + 2);
  for (let i = 0; i < edges.length; i++) edges[i] = barkHz(lo + ((hi - lo) * i) / (BARK_BANDS + 1));
  return triangularFilterbank(edges, SIZE);
})();
const barkWeights = Float64Array.from(barkBank.centres, equalLoudness);

/** Bins k with lo ≤ k·BIN_HZ ≤ hi (inclusive both ends unless `openHi`). */
function binRange(lo: number, hi: number, openHi = false): [number, number] {
  const k0 = Math.ceil(lo / BIN_HZ - 1e-9);
  const k1 = openHi ? Math.ceil(hi / BIN_HZ - 1e-9) - 1 : Math.floor(hi / BIN_HZ + 1e-9);
  return [k0, k1];
}

const ALPHA_LOW = binRange(50, 1000, true);
const ALPHA_HIGH = binRange(1000, 5000);
const HAMMARBERG_LOW = binRange(BIN_HZ, 2000, true);
const HAMMARBERG_HIGH = binRange(2000, 5000);

/** Per-bin regression weights (f_k − f̄)/Σ(f − f̄)² so slope = Σ weight_k·y_k. */
function slopeWeights([k0, k1]: [number, number]): { k0: number; w: Float64Array } {
  const n = k1 - k0 + 1;
  let mean = 0;
  for (let k = k0; k <= k1; k++) mean += k * BIN_HZ;
  mean /= n;
  let sxx = 0;
  for (let k = k0; k <= k1; k++) sxx += (k * BIN_HZ - mean) ** 2;
  const w = new Float64Array(n);
  for (let k = k0; k <= k1; k++) w[k - k0] = (k * BIN_HZ - mean) / sxx;
  return { k0, w };
}

const SLOPE_LOW = slopeWeights(binRange(0, 500));
const SLOPE_MID = slopeWeights(binRange(500, 1500));

function sum(p: Float64Array, [k0, k1]: [number, number]): number {
  let s = 0;
  for (let k = k0; k <= k1; k++) s += p[k] as number;
  return s;
}

function max(p: Float64Array, [k0, k1]: [number, number]): number {
  let m = 0;
  for (let k = k0; k <= k1; k++) if ((p[k] as number) > m) m = p[k] as number;
  return m;
}

/** Σ weight_k·(y_k − y_k0): the same slope (weights sum to 0), and exactly 0 for a flat spectrum. */
function slope(logP: Float64Array, { k0, w }: { k0: number; w: Float64Array }): number {
  const y0 = logP[k0] as number;
  let s = 0;
  for (let j = 0; j < w.length; j++) s += (w[j] as number) * ((logP[k0 + j] as number) - y0);
  return s;
}

/** The spectral LLDs and MFCC 1–4 of `signal`, one value per frame of the shared grid. */
export function spectralTracks(signal: Signal): SpectralTracks {
  const frames = frameCount(signal.samples.length);
  const track = () => new Float64Array(frames);
  const out: SpectralTracks = {
    loudness: track(),
    alphaRatio: track(),
    hammarberg: track(),
    slope0to500: track(),
    slope500to1500: track(),
    spectralFlux: track(),
    mfcc: [track(), track(), track(), track()],
  };
  const window = hammingWindow(SHORT_FRAME);
  let energy = 0;
  for (let n = 0; n < SHORT_FRAME; n++) energy += (window[n] as number) ** 2;
  const scale = 2 / (SIZE * energy);
  const plan = new PowerSpectrumPlan(SIZE);
  const p = new Float64Array(BINS);
  const bands = new Float64Array(BARK_BANDS);
  const logP = new Float64Array(BINS);
  let norm = new Float64Array(BINS);
  let prevNorm = new Float64Array(BINS);
  const cep = new Float64Array(4);
  for (let i = 0; i < frames; i++) {
    windowedFrame(signal.samples, frameStart(i), window, plan.input);
    plan.power(p, scale);
    let total = 0;
    let l1 = 0;
    for (let k = 0; k < BINS; k++) {
      const v = p[k] as number;
      total += v;
      const m = Math.sqrt(v);
      norm[k] = m;
      l1 += m;
    }
    // Loudness.
    applyFilterbank(barkBank, p, bands);
    let loud = 0;
    for (let b = 0; b < BARK_BANDS; b++) {
      loud += ((barkWeights[b] as number) * (bands[b] as number)) ** COMPRESSION;
    }
    out.loudness[i] = loud;
    // Spectral balance.
    out.alphaRatio[i] = 10 * Math.log10((sum(p, ALPHA_LOW) + TINY) / (sum(p, ALPHA_HIGH) + TINY));
    out.hammarberg[i] =
      10 * Math.log10((max(p, HAMMARBERG_LOW) + TINY) / (max(p, HAMMARBERG_HIGH) + TINY));
    const floor = (1e-10 * total) / BINS + TINY;
    for (let k = 0; k <= SLOPE_MID.k0 + SLOPE_MID.w.length; k++) {
      logP[k] = 10 * Math.log10((p[k] as number) + floor);
    }
    out.slope0to500[i] = slope(logP, SLOPE_LOW);
    out.slope500to1500[i] = slope(logP, SLOPE_MID);
    // Flux against the previous frame's L1-normalised magnitudes.
    const inv = l1 > 0 ? 1 / l1 : 0;
    let flux = 0;
    for (let k = 0; k < BINS; k++) {
      const m = (norm[k] as number) * inv;
      norm[k] = m;
      const d = m - (prevNorm[k] as number);
      flux += d * d;
    }
    out.spectralFlux[i] = i === 0 ? 0 : flux;
    [norm, prevNorm] = [prevNorm, norm];
    // MFCC from the same (scaled) power spectrum: the scale does not reach MFCC 1–4.
    mfccFromPower(p, cep);
    for (let k = 0; k < 4; k++) (out.mfcc[k] as Track)[i] = cep[k] as number;
  }
  return out;
}
