/**
 * The 88 eGeMAPSv02 parameters from pnnc's own low-level tracks, named and ordered as openSMILE's
 * eGeMAPSv02 functionals (these are pnnc's implementation of the published set, not openSMILE's
 * numbers). In: a 16 kHz signal's tracks. Out: [name, value] pairs; NaN where nothing was voiced.
 */
import {
  contourFunctionals,
  mean,
  peakCount,
  runLengths,
  smooth3,
  stddev,
  stddevNorm,
  valuesOf,
} from "./functionals.js";
import {
  HOP,
  RATE,
  SHORT_FRAME,
  type FormantTracks,
  type PitchTracks,
  type SpectralTracks,
  type Track,
  type VoiceQualityTracks,
} from "./types.js";

export interface LowLevelTracks {
  pitch: PitchTracks;
  voice: VoiceQualityTracks;
  spectral: SpectralTracks;
  formants: FormantTracks;
}

/** F0 on eGeMAPS's scale: semitones above 27.5 Hz (A0); unvoiced frames stay undefined. */
function semitones(f0: Track): Track {
  return f0.map((f) => (f > 0 ? 12 * Math.log2(f / 27.5) : NaN));
}

/** 10·log10 of the mean power of the 25 ms frames: openSMILE's equivalent sound level (dB re 1). */
function equivalentSoundLevel(samples: Float32Array, frames: number): number {
  if (frames === 0) return NaN;
  let total = 0;
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let j = i * HOP; j < i * HOP + SHORT_FRAME; j++) sum += (samples[j] ?? 0) ** 2;
    total += sum / SHORT_FRAME;
  }
  return 10 * Math.log10(total / frames + 1e-12);
}

export function egemapsParameters(
  t: LowLevelTracks,
  samples: Float32Array,
): [name: string, value: number][] {
  const frames = t.pitch.f0.length;
  const voiced = Array.from(t.pitch.f0, (f) => f > 0);
  const unvoiced = voiced.map((v) => !v);
  const seconds = samples.length / RATE;
  // `sma3nz`: smoothed within voiced runs, taken over voiced frames only; `sma3`: every frame.
  const nz = (track: Track) => smooth3(track, voiced);
  const all = (track: Track) => smooth3(track);
  const meanCov = (name: string, values: number[]): [string, number][] => [
    [`${name}_amean`, mean(values)],
    [`${name}_stddevNorm`, stddevNorm(values)],
  ];
  const contour = (name: string, track: Track): [string, number][] => {
    const suffixes = [
      "amean",
      "stddevNorm",
      "percentile20.0",
      "percentile50.0",
      "percentile80.0",
      "pctlrange0-2",
      "meanRisingSlope",
      "stddevRisingSlope",
      "meanFallingSlope",
      "stddevFallingSlope",
    ];
    const values = contourFunctionals(track);
    return suffixes.map((s, i) => [`${name}_${s}`, values[i] ?? NaN]);
  };
  const { spectral: s, formants: f, voice: v } = t;
  const loudness = all(s.loudness);
  const flux = all(s.spectralFlux);
  const mfcc = s.mfcc.map(all);
  const voicedRuns = runLengths(voiced, true);
  const unvoicedRuns = runLengths(voiced, false);
  return [
    ...contour("F0semitoneFrom27.5Hz_sma3nz", nz(semitones(t.pitch.f0))),
    ...contour("loudness_sma3", loudness),
    ...meanCov("spectralFlux_sma3", valuesOf(flux)),
    ...mfcc.flatMap((m, k) => meanCov(`mfcc${k + 1}_sma3`, valuesOf(m))),
    ...meanCov("jitterLocal_sma3nz", valuesOf(nz(v.jitterLocal))),
    ...meanCov("shimmerLocaldB_sma3nz", valuesOf(nz(v.shimmerLocalDb))),
    ...meanCov("HNRdBACF_sma3nz", valuesOf(nz(v.hnrDb))),
    ...meanCov("logRelF0-H1-H2_sma3nz", valuesOf(nz(f.h1h2))),
    ...meanCov("logRelF0-H1-A3_sma3nz", valuesOf(nz(f.h1a3))),
    ...[0, 1, 2].flatMap((k) => [
      ...meanCov(`F${k + 1}frequency_sma3nz`, valuesOf(nz(f.frequency[k] ?? new Float64Array()))),
      ...meanCov(`F${k + 1}bandwidth_sma3nz`, valuesOf(nz(f.bandwidth[k] ?? new Float64Array()))),
      ...meanCov(
        `F${k + 1}amplitudeLogRelF0_sma3nz`,
        valuesOf(nz(f.amplitudeRelF0[k] ?? new Float64Array())),
      ),
    ]),
    ...meanCov("alphaRatioV_sma3nz", valuesOf(nz(s.alphaRatio))),
    ...meanCov("hammarbergIndexV_sma3nz", valuesOf(nz(s.hammarberg))),
    ...meanCov("slopeV0-500_sma3nz", valuesOf(nz(s.slope0to500))),
    ...meanCov("slopeV500-1500_sma3nz", valuesOf(nz(s.slope500to1500))),
    ...meanCov("spectralFluxV_sma3nz", valuesOf(nz(s.spectralFlux))),
    ...s.mfcc.flatMap((m, k) => meanCov(`mfcc${k + 1}V_sma3nz`, valuesOf(nz(m)))),
    // Unvoiced parts: smoothed within unvoiced runs, means only (as eGeMAPSv02).
    ["alphaRatioUV_sma3nz_amean", mean(valuesOf(smooth3(s.alphaRatio, unvoiced)))],
    ["hammarbergIndexUV_sma3nz_amean", mean(valuesOf(smooth3(s.hammarberg, unvoiced)))],
    ["slopeUV0-500_sma3nz_amean", mean(valuesOf(smooth3(s.slope0to500, unvoiced)))],
    ["slopeUV500-1500_sma3nz_amean", mean(valuesOf(smooth3(s.slope500to1500, unvoiced)))],
    ["spectralFluxUV_sma3nz_amean", mean(valuesOf(smooth3(s.spectralFlux, unvoiced)))],
    ["loudnessPeaksPerSec", frames > 0 ? peakCount(loudness) / seconds : NaN],
    ["VoicedSegmentsPerSec", frames > 0 ? voicedRuns.length / seconds : NaN],
    ["MeanVoicedSegmentLengthSec", mean(voicedRuns)],
    ["StddevVoicedSegmentLengthSec", stddev(voicedRuns)],
    ["MeanUnvoicedSegmentLength", mean(unvoicedRuns)],
    ["StddevUnvoicedSegmentLength", stddev(unvoicedRuns)],
    ["equivalentSoundLevel_dBp", equivalentSoundLevel(samples, frames)],
  ];
}
