/**
 * eGeMAPS's functionals on tracks with known answers (smoothing within voiced runs, percentiles,
 * slopes per second, segment lengths), and the 88 parameters' names and order against openSMILE's
 * eGeMAPSv02 column list, with values from tracks whose functionals are known.
 */
import { describe, expect, it } from "vitest";
import { EGEMAPS_NAMES } from "../src/audio/egemaps-names.js";
import { egemapsParameters, type LowLevelTracks } from "../src/audio/egemaps.js";
import {
  contourFunctionals,
  percentile,
  runLengths,
  slopes,
  smooth3,
  stddevNorm,
} from "../src/audio/functionals.js";
import { HOP, LONG_FRAME } from "../src/audio/types.js";

const track = (values: number[]) => Float64Array.from(values);

describe("functionals", () => {
  it("smooths over three frames, and within voiced runs only under a mask", () => {
    expect([...smooth3(track([0, 3, 6, 9]))]).toEqual([1.5, 3, 6, 7.5]);
    const masked = smooth3(track([1, 2, 100, 4, 5]), [true, true, false, true, true]);
    expect([...masked].map((v) => (Number.isNaN(v) ? null : v))).toEqual([
      1.5,
      1.5,
      null,
      4.5,
      4.5,
    ]);
  });

  it("percentiles interpolate between sorted values; stddevNorm is std / |mean|", () => {
    expect(percentile([5, 1, 4, 2, 3], 20)).toBeCloseTo(1.8, 12);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([], 50)).toBeNaN();
    expect(stddevNorm([2, 4])).toBeCloseTo(1 / 3, 12);
    expect(stddevNorm([-2, -4])).toBeCloseTo(1 / 3, 12);
  });

  it("rising and falling slopes per second, as magnitudes, run by run", () => {
    // Up 10 over 10 frames (0.1 s), down 5 over 5 frames: 100 and 100 per second.
    const up = Array.from({ length: 11 }, (_, i) => i);
    const down = [9, 8, 7, 6, 5];
    const s = slopes(track([...up, ...down, NaN, 0, 2]));
    expect(s.rising).toEqual([100, 200]);
    expect(s.falling).toEqual([100]);
  });

  it("the ten contour functionals of a constant contour: no spread, no slope", () => {
    const f = contourFunctionals(track([7, 7, 7, 7]));
    expect(f.slice(0, 6)).toEqual([7, 0, 7, 7, 7, 0]);
    expect(f.slice(6).every(Number.isNaN)).toBe(true);
  });

  it("segment lengths in seconds", () => {
    const mask = [true, true, false, true, false, false, false, true];
    expect(runLengths(mask, true).map((s) => +s.toFixed(3))).toEqual([0.02, 0.01, 0.01]);
    expect(runLengths(mask, false).map((s) => +s.toFixed(3))).toEqual([0.01, 0.03]);
  });
});

/** Tracks of `n` frames: F0 220 Hz in the first half, unvoiced after; every other track constant. */
function tracks(n: number): LowLevelTracks {
  const f0 = track(Array.from({ length: n }, (_, i) => (i < n / 2 ? 220 : 0)));
  const c = (v: number) => new Float64Array(n).fill(v);
  return {
    pitch: { f0, voicing: f0.map((f) => (f > 0 ? 1 : 0)) },
    voice: { jitterLocal: c(0.01), shimmerLocalDb: c(0.5), hnrDb: c(12) },
    spectral: {
      loudness: c(1),
      alphaRatio: c(-10),
      hammarberg: c(20),
      slope0to500: c(0.01),
      slope500to1500: c(-0.01),
      spectralFlux: c(0.1),
      mfcc: [c(10), c(5), c(-3), c(1)],
    },
    formants: {
      frequency: [c(700), c(1200), c(2500)],
      bandwidth: [c(80), c(100), c(150)],
      amplitudeRelF0: [c(-5), c(-15), c(-25)],
      h1h2: c(4),
      h1a3: c(20),
    },
  };
}

describe("the 88 eGeMAPSv02 parameters", () => {
  it("are named and ordered as openSMILE's eGeMAPSv02 columns", () => {
    const n = 100;
    const samples = new Float32Array(LONG_FRAME + (n - 1) * HOP).fill(0.1);
    const params = egemapsParameters(tracks(n), samples);
    expect(params.map(([name]) => name)).toEqual(EGEMAPS_NAMES);
    const value = new Map(params);
    // 220 Hz is 3 octaves above 27.5 Hz: 36 semitones.
    expect(value.get("F0semitoneFrom27.5Hz_sma3nz_amean")).toBeCloseTo(36, 10);
    expect(value.get("F0semitoneFrom27.5Hz_sma3nz_stddevNorm")).toBe(0);
    expect(value.get("F1frequency_sma3nz_amean")).toBeCloseTo(700, 10);
    expect(value.get("HNRdBACF_sma3nz_amean")).toBeCloseTo(12, 10);
    expect(value.get("mfcc3_sma3_amean")).toBeCloseTo(-3, 10);
    // One voiced run of 50 frames and one unvoiced run of 50, over 1.05 s of samples.
    const seconds = samples.length / 16000;
    expect(value.get("VoicedSegmentsPerSec")).toBeCloseTo(1 / seconds, 10);
    expect(value.get("MeanVoicedSegmentLengthSec")).toBeCloseTo(0.5, 10);
    expect(value.get("MeanUnvoicedSegmentLength")).toBeCloseTo(0.5, 10);
    // A constant 0.1 signal: mean power 0.01, i.e. −20 dB.
    expect(value.get("equivalentSoundLevel_dBp")).toBeCloseTo(-20, 6);
  });

  it("leave voiced-only parameters undefined when nothing is voiced, and the rest defined", () => {
    const n = 20;
    const t = tracks(n);
    t.pitch.f0.fill(0);
    const samples = new Float32Array(LONG_FRAME + (n - 1) * HOP).fill(0.1);
    const value = new Map(egemapsParameters(t, samples));
    expect(value.get("F0semitoneFrom27.5Hz_sma3nz_amean")).toBeNaN();
    expect(value.get("jitterLocal_sma3nz_amean")).toBeNaN();
    expect(value.get("F1frequency_sma3nz_amean")).toBeNaN();
    expect(value.get("loudness_sma3_amean")).toBe(1);
    expect(value.get("alphaRatioUV_sma3nz_amean")).toBe(-10);
    expect(value.get("VoicedSegmentsPerSec")).toBe(0);
  });
});
