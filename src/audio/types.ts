/**
 * The shared shapes of pnnc's eGeMAPS-like extractor: a mono 16 kHz signal, the 10 ms frame grid
 * every low-level descriptor (LLD) is computed on, and the per-frame tracks each DSP module returns.
 * In: nothing (types and constants only). Out: the contracts between wav.ts, pitch.ts, spectral.ts…
 */

/** Every extractor module works at this rate; wav.ts resamples to it (loudness depends on it). */
export const RATE = 16000;
/** 10 ms between frames, as eGeMAPSv02. */
export const HOP = 160;
/** Spectral, energy and MFCC frames: 25 ms, Hamming. */
export const SHORT_FRAME = 400;
/** Pitch, voice-quality and formant frames: 60 ms (Gaussian window where one is used). */
export const LONG_FRAME = 960;

export interface Signal {
  /** Mono samples in [-1, 1] at RATE. */
  samples: Float32Array;
}

/**
 * The frame grid: frame i covers samples [i·HOP, i·HOP + length) for both frame lengths, so the
 * tracks line up index by index. Frames = 0 when the signal is shorter than LONG_FRAME.
 */
export function frameCount(samples: number): number {
  return samples < LONG_FRAME ? 0 : Math.floor((samples - LONG_FRAME) / HOP) + 1;
}

/** One value per frame; NaN where the descriptor is undefined (unvoiced frames for `…nz` LLDs). */
export type Track = Float64Array;

export interface PitchTracks {
  /** F0 in Hz; 0 in unvoiced frames. */
  f0: Track;
  /** Voicing strength in [0, 1] (1 − the YIN dip, or similar), for diagnostics and tests. */
  voicing: Track;
}

export interface VoiceQualityTracks {
  /** Local jitter: mean |T_i − T_{i−1}| / mean T over the periods in the frame (a ratio, not %). */
  jitterLocal: Track;
  /** Local shimmer in dB: mean |20·log10(A_i / A_{i−1})| over consecutive periods. */
  shimmerLocalDb: Track;
  /** Harmonics-to-noise ratio from the autocorrelation at the period, in dB. */
  hnrDb: Track;
}

export interface SpectralTracks {
  /** Perceived loudness (sone-like; grows with amplitude). */
  loudness: Track;
  /** Energy 50–1000 Hz over 1–5 kHz, in dB. */
  alphaRatio: Track;
  /** Strongest peak 0–2 kHz over strongest peak 2–5 kHz, in dB. */
  hammarberg: Track;
  /** Linear-regression slope of the log power spectrum over 0–500 Hz and 500–1500 Hz (dB/Hz). */
  slope0to500: Track;
  slope500to1500: Track;
  /** Squared difference of consecutive normalised magnitude spectra. */
  spectralFlux: Track;
  /** MFCC 1–4 (independent of overall gain). */
  mfcc: [Track, Track, Track, Track];
}

export interface FormantTracks {
  /** F1–F3 centre frequency and bandwidth in Hz; NaN in unvoiced frames. */
  frequency: [Track, Track, Track];
  bandwidth: [Track, Track, Track];
  /** Harmonic amplitude nearest each formant relative to the F0 harmonic, in dB. */
  amplitudeRelF0: [Track, Track, Track];
  /** H1 − H2 and H1 − A3 (A3: the strongest harmonic near F3), in dB. */
  h1h2: Track;
  h1a3: Track;
}
