/**
 * MFCC 1–4 as eGeMAPSv02 (openSMILE cMelspec + cMfcc): 25 ms Hamming frames on the 10 ms grid, power
 * spectrum, 26 triangular mel bands 20–8000 Hz (mel = 1127·ln(1 + f/700)), natural log, DCT-II
 * (orthonormal scale √(2/26)), cepstral liftering 22; coefficient 0 (the gain term) is left out, so
 * the result does not change with overall gain. In: a Signal, or one frame's power spectrum. Out:
 * four tracks, or four numbers. Also the triangular filterbank that spectral.ts's Bark bands share.
 */
import { fftSize, frameStart, hammingWindow, PowerSpectrumPlan, windowedFrame } from "./frames.js";
import { frameCount, RATE, SHORT_FRAME, type Signal, type Track } from "./types.js";

export const MEL_BANDS = 26;
export const MEL_LOW_HZ = 20;
export const MEL_HIGH_HZ = 8000;
export const CEPSTRAL_LIFTER = 22;
/** Band-energy floor relative to the frame's mean band energy (−100 dB): gain-invariant, finite. */
const RELATIVE_FLOOR = 1e-10;
/** Absolute floor so digital silence gives log(1e-30) in every band, hence MFCC 1–4 = 0. */
const ABSOLUTE_FLOOR = 1e-30;

/** Triangular filters over the bins of a `size`-point spectrum: band b spans edges[b]..edges[b+2]. */
export interface Filterbank {
  /** First bin each band touches. */
  first: Int32Array;
  /** Per band, the weights of bins first[b], first[b] + 1, … */
  weights: Float64Array[];
  /** Centre frequency of each band in Hz. */
  centres: Float64Array;
}

/**
 * Triangular filterbank whose band b rises from edgesHz[b] to a peak of 1 at edgesHz[b + 1] and falls
 * to 0 at edgesHz[b + 2] (so edgesHz.length − 2 bands), sampled at bin frequencies k·RATE/size.
 */
export function triangularFilterbank(edgesHz: ArrayLike<number>, size: number): Filterbank {
  const bands = edgesHz.length - 2;
  const binHz = RATE / size;
  const first = new Int32Array(bands);
  const weights: Float64Array[] = [];
  const centres = new Float64Array(bands);
  for (let b = 0; b < bands; b++) {
    const lo = edgesHz[b] as number;
    const mid = edgesHz[b + 1] as number;
    const hi = edgesHz[b + 2] as number;
    centres[b] = mid;
    const k0 = Math.max(0, Math.ceil(lo / binHz));
    const k1 = Math.min(size / 2, Math.floor(hi / binHz));
    const w = new Float64Array(Math.max(0, k1 - k0 + 1));
    for (let k = k0; k <= k1; k++) {
      const f = k * binHz;
      w[k - k0] = f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
      if ((w[k - k0] as number) < 0) w[k - k0] = 0;
    }
    first[b] = k0;
    weights.push(w);
  }
  return { first, weights, centres };
}

/** Band energies Σ_k w_b(k)·power[k] into `out`. */
export function applyFilterbank(bank: Filterbank, power: Float64Array, out: Float64Array): void {
  for (let b = 0; b < bank.weights.length; b++) {
    const w = bank.weights[b] as Float64Array;
    const k0 = bank.first[b] as number;
    let e = 0;
    for (let j = 0; j < w.length; j++) e += (w[j] as number) * (power[k0 + j] as number);
    out[b] = e;
  }
}

const melBanks = new Map<number, Filterbank>();

/** The 26-band mel filterbank (20–8000 Hz, edges equally spaced in mel) for a `size`-point FFT. */
export function melFilterbank(size: number): Filterbank {
  let bank = melBanks.get(size);
  if (!bank) {
    const mel = (f: number) => 1127 * Math.log(1 + f / 700);
    const hz = (m: number) => 700 * (Math.exp(m / 1127) - 1);
    const lo = mel(MEL_LOW_HZ);
    const hi = mel(MEL_HIGH_HZ);
    const edges = new Float64Array(MEL_BANDS + 2);
    for (let i = 0; i < edges.length; i++) edges[i] = hz(lo + ((hi - lo) * i) / (MEL_BANDS + 1));
    bank = triangularFilterbank(edges, size);
    melBanks.set(size, bank);
  }
  return bank;
}

/** DCT-II rows 1..4 with the lifter folded in: cos(πk(m + ½)/M)·√(2/M)·(1 + L/2·sin(πk/L)). */
const dct: Float64Array[] = [1, 2, 3, 4].map((k) => {
  const row = new Float64Array(MEL_BANDS);
  const lift = 1 + (CEPSTRAL_LIFTER / 2) * Math.sin((Math.PI * k) / CEPSTRAL_LIFTER);
  for (let m = 0; m < MEL_BANDS; m++) {
    row[m] = Math.sqrt(2 / MEL_BANDS) * lift * Math.cos((Math.PI * k * (m + 0.5)) / MEL_BANDS);
  }
  return row;
});

const bandScratch = new Float64Array(MEL_BANDS);

/**
 * MFCC 1–4 of one frame from its one-sided power spectrum (length size/2 + 1; any scale). Band
 * energies get a floor of 1e-10 × their mean (+1e-30), which scales with gain, so the coefficients
 * are gain-invariant up to rounding; silence gives 0.
 */
export function mfccFromPower(power: Float64Array, out = new Float64Array(4)): Float64Array {
  const bank = melFilterbank((power.length - 1) * 2);
  applyFilterbank(bank, power, bandScratch);
  let mean = 0;
  for (let m = 0; m < MEL_BANDS; m++) mean += bandScratch[m] as number;
  mean /= MEL_BANDS;
  const floor = RELATIVE_FLOOR * mean + ABSOLUTE_FLOOR;
  // Log energies relative to band 0's: the DCT rows 1–4 sum to 0, so this changes nothing but
  // rounding, and makes a constant (gain, silence) cancel exactly.
  const ref = Math.log((bandScratch[0] as number) + floor);
  for (let m = 0; m < MEL_BANDS; m++) {
    bandScratch[m] = Math.log((bandScratch[m] as number) + floor) - ref;
  }
  for (let k = 0; k < 4; k++) {
    const row = dct[k] as Float64Array;
    let c = 0;
    for (let m = 0; m < MEL_BANDS; m++) c += (row[m] as number) * (bandScratch[m] as number);
    out[k] = c;
  }
  return out;
}

/** MFCC 1–4 tracks alone (spectralTracks computes them from its shared spectrum instead). */
export function mfccTracks(signal: Signal): [Track, Track, Track, Track] {
  const frames = frameCount(signal.samples.length);
  const tracks: [Track, Track, Track, Track] = [
    new Float64Array(frames),
    new Float64Array(frames),
    new Float64Array(frames),
    new Float64Array(frames),
  ];
  const window = hammingWindow(SHORT_FRAME);
  const plan = new PowerSpectrumPlan(fftSize(SHORT_FRAME));
  const power = new Float64Array(plan.size / 2 + 1);
  const c = new Float64Array(4);
  for (let i = 0; i < frames; i++) {
    windowedFrame(signal.samples, frameStart(i), window, plan.input);
    mfccFromPower(plan.power(power), c);
    for (let k = 0; k < 4; k++) (tracks[k] as Track)[i] = c[k] as number;
  }
  return tracks;
}
