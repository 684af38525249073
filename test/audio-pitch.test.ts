/**
 * Pitch (YIN) and voice quality (jitter, shimmer, HNR) of the eGeMAPS-like extractor: exact
 * answers on synthetic signals made here, and agreement with Praat on espeak-ng speech (skipped
 * with a printed reason where espeak-ng, sox or praat is missing).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prng } from "../src/runtime/prng.js";
import { voiceQuality } from "../src/audio/perturbation.js";
import { trackPitch } from "../src/audio/pitch.js";
import { HOP, LONG_FRAME, RATE, frameCount, type Signal } from "../src/audio/types.js";
import {
  makeUtterance,
  missingSpeechTools,
  praatFormants,
  praatVoiceReport,
  readSignal,
  type PraatVoiceReport,
  type Utterance,
} from "./audio-speech.js";

// ---------- synthetic signals ----------

/** Deterministic uniform numbers (pnnc's own mulberry32), so noise tests never flake. */
const random = (seed: number): (() => number) => {
  const prng = new Prng(seed);
  return () => prng.next();
};

/** White Gaussian noise with the given RMS. */
function noise(n: number, rms: number, seed = 1): Float32Array {
  const u = random(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    out[i] = rms * r * Math.cos(2 * Math.PI * u());
  }
  return out;
}

function sine(f0: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * f0 * i) / RATE);
  return out;
}

/** The naive (aliased) sawtooth: every harmonic, folded. */
function sawtooth(f0: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * (2 * (((i * f0) / RATE) % 1) - 1);
  return out;
}

/**
 * A voice-like pulse train: each glottal pulse excites a damped 700 Hz resonance (2 ms decay),
 * placed at fractional sample positions. `periods(k)` and `amplitudes(k)` give pulse k's period (in
 * samples, to the next pulse) and amplitude.
 */
function pulses(
  seconds: number,
  periods: (k: number) => number,
  amplitudes: (k: number) => number = () => 1,
): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  const length = Math.round(0.012 * RATE);
  let t = 0;
  for (let k = 0; t < out.length; k++) {
    const a = 0.4 * amplitudes(k);
    for (let i = Math.ceil(t); i < Math.min(out.length, t + length); i++) {
      const s = (i - t) / RATE;
      out[i] = (out[i] ?? 0) + a * Math.exp(-s / 0.002) * Math.sin(2 * Math.PI * 700 * s);
    }
    t += periods(k);
  }
  return out;
}

function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / x.length);
}

function add(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((v, i) => v + (b[i] ?? 0));
}

function finite(track: Float64Array): number[] {
  return Array.from(track).filter(Number.isFinite);
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

function voicedF0(f0: Float64Array): number[] {
  return Array.from(f0).filter((v) => v > 0);
}

// ---------- pitch ----------

describe("trackPitch on synthetic signals", () => {
  it("follows the frame grid", () => {
    const x = sine(200, 1);
    const p = trackPitch({ samples: x });
    expect(p.f0.length).toBe(frameCount(x.length));
    expect(p.voicing.length).toBe(p.f0.length);
    expect(trackPitch({ samples: new Float32Array(LONG_FRAME - 1) }).f0.length).toBe(0);
  });

  for (const f0 of [80, 120, 200, 300, 440]) {
    for (const [name, make] of [
      ["sine", sine],
      ["sawtooth", sawtooth],
    ] as const) {
      it(`finds ${f0} Hz in a ${name} within 1% and calls ≥ 90% of its frames voiced`, () => {
        const p = trackPitch({ samples: make(f0, 1) });
        const voiced = voicedF0(p.f0);
        expect(voiced.length / p.f0.length).toBeGreaterThanOrEqual(0.9);
        for (const v of voiced) expect(Math.abs(v / f0 - 1)).toBeLessThan(0.01);
        for (let i = 0; i < p.f0.length; i++) {
          if ((p.f0[i] ?? 0) > 0) expect(p.voicing[i]).toBeGreaterThan(0.55);
        }
      });
    }
  }

  it("calls silence unvoiced", () => {
    const p = trackPitch({ samples: new Float32Array(RATE) });
    expect(voicedF0(p.f0)).toEqual([]);
  });

  it("calls white noise (almost) all unvoiced", () => {
    for (const seed of [1, 2, 3]) {
      const p = trackPitch({ samples: noise(2 * RATE, 0.2, seed) });
      expect(voicedF0(p.f0).length / p.f0.length).toBeLessThanOrEqual(0.02);
    }
  });

  it("calls the silent half of a half-silent tone unvoiced", () => {
    const x = new Float32Array(2 * RATE);
    x.set(sine(150, 1), RATE);
    const p = trackPitch({ samples: x });
    const firstFullyInTone = Math.ceil(RATE / HOP);
    const lastFullySilent = Math.floor((RATE - LONG_FRAME) / HOP);
    for (let i = 0; i <= lastFullySilent; i++) expect(p.f0[i]).toBe(0);
    for (let i = firstFullyInTone; i < p.f0.length; i++) {
      expect(Math.abs((p.f0[i] ?? 0) / 150 - 1)).toBeLessThan(0.01);
    }
  });

  it("tracks a 100 → 200 Hz glide monotonically", () => {
    const seconds = 1;
    const n = seconds * RATE;
    const x = new Float32Array(n);
    // Exponential glide f(t) = 100·2^(t/seconds); the phase is its integral.
    let phase = 0;
    const frequency = (i: number): number => 100 * 2 ** (i / n);
    for (let i = 0; i < n; i++) {
      x[i] = 0.5 * Math.sin(phase);
      phase += (2 * Math.PI * frequency(i)) / RATE;
    }
    const p = trackPitch({ samples: x });
    expect(voicedF0(p.f0).length).toBe(p.f0.length);
    for (let i = 0; i < p.f0.length; i++) {
      const f = p.f0[i] ?? 0;
      expect(Math.abs(f / frequency(i * HOP + LONG_FRAME / 2) - 1)).toBeLessThan(0.01);
      if (i > 0) expect(f).toBeGreaterThan(p.f0[i - 1] ?? Infinity);
    }
  });
});

// ---------- voice quality ----------

describe("voiceQuality on synthetic signals", () => {
  /** Voice quality of x with its own pitch, and the tracks' finite values. */
  function quality(x: Float32Array): {
    jitter: number[];
    shimmer: number[];
    hnr: number[];
    voiced: number;
  } {
    const signal: Signal = { samples: x };
    const pitch = trackPitch(signal);
    const q = voiceQuality(signal, pitch);
    for (let i = 0; i < pitch.f0.length; i++) {
      if ((pitch.f0[i] ?? 0) === 0) {
        expect(q.jitterLocal[i]).toBeNaN();
        expect(q.shimmerLocalDb[i]).toBeNaN();
        expect(q.hnrDb[i]).toBeNaN();
      }
    }
    return {
      jitter: finite(q.jitterLocal),
      shimmer: finite(q.shimmerLocalDb),
      hnr: finite(q.hnrDb),
      voiced: voicedF0(pitch.f0).length,
    };
  }

  it("is NaN everywhere in silence and noise", () => {
    for (const x of [new Float32Array(RATE), noise(RATE, 0.2)]) {
      const q = voiceQuality({ samples: x }, trackPitch({ samples: x }));
      expect(finite(q.jitterLocal)).toEqual([]);
      expect(finite(q.shimmerLocalDb)).toEqual([]);
      expect(finite(q.hnrDb)).toEqual([]);
    }
  });

  it("finds no jitter, no shimmer and a high HNR in a perfectly periodic voice", () => {
    // Periods of 133.33, 98.77, 64 samples (fractional ones included).
    for (const f0 of [120, 162, 250]) {
      const q = quality(pulses(1, () => RATE / f0));
      expect(q.jitter.length).toBeGreaterThan(0.9 * q.voiced);
      // Measured: mean jitter ≤ 0.00007, shimmer ≤ 0.0014 dB, median HNR ≥ 36.8 dB (parabolic
      // interpolation of r at fractional periods; 60 dB, the clamp, at 250 Hz = 64 samples).
      expect(mean(q.jitter)).toBeLessThan(0.002);
      expect(mean(q.shimmer)).toBeLessThan(0.05);
      expect(median(q.hnr)).toBeGreaterThan(30);
    }
  });

  it("measures alternating periods T(1 ± ε) as jitter 2ε", () => {
    // From ε = 0.015 on, these sharp pulses repeat exactly only every 2T and YIN reports that
    // subharmonic (62.5 Hz; jitter 0 over 2T periods): 2ε up to 2% covers usual voices.
    for (const epsilon of [0.0025, 0.005, 0.01]) {
      const t = RATE / 125;
      const q = quality(pulses(1, (k) => t * (1 + (k % 2 ? epsilon : -epsilon))));
      expect(q.voiced / 95).toBeGreaterThan(0.9);
      const measured = median(q.jitter);
      // Measured: 1.03, 1.04, 1.02 × 2ε (sub-sample period estimates); the bound allows 10%.
      expect(measured / (2 * epsilon)).toBeGreaterThan(0.9);
      expect(measured / (2 * epsilon)).toBeLessThan(1.1);
      expect(mean(q.shimmer)).toBeLessThan(0.3);
    }
  });

  it("measures alternating amplitudes A(1 ± δ) as shimmer 20·log10((1+δ)/(1−δ)) dB", () => {
    for (const delta of [0.02, 0.05, 0.1, 0.2]) {
      const expected = 20 * Math.log10((1 + delta) / (1 - delta));
      const q = quality(
        pulses(
          1,
          () => RATE / 140,
          (k) => (k % 2 ? 1 + delta : 1 - delta),
        ),
      );
      const measured = median(q.shimmer);
      // Measured: 0.944 × the analytic value (0.33 of 0.35, 0.82 of 0.87, 1.65 of 1.74, 3.32 of
      // 3.52 dB): the previous pulse's tail (e^(−T / 2 ms) ≈ 3%) adds to each cycle's extremes.
      expect(measured / expected).toBeGreaterThan(0.9);
      expect(measured / expected).toBeLessThan(1.05);
      expect(mean(q.jitter)).toBeLessThan(0.003);
    }
  });

  it("gives an HNR near the SNR of a periodic voice plus white noise, rising as the noise falls", () => {
    const voice = pulses(1, () => RATE / 150);
    const power = rms(voice);
    const medians: number[] = [];
    for (const snr of [0, 5, 10, 15, 20, 25]) {
      const x = add(voice, noise(voice.length, power * 10 ** (-snr / 20), 7));
      const q = quality(x);
      const measured = median(q.hnr);
      medians.push(measured);
      // Measured: 1.49, 5.22, 10.13, 15.08, 19.98, 24.77 dB (at 0 dB only 12 of 95 frames are
      // voiced); the bound allows 2 dB.
      expect(Math.abs(measured - snr)).toBeLessThan(2);
    }
    for (let k = 1; k < medians.length; k++) {
      expect(medians[k]).toBeGreaterThan(medians[k - 1] ?? Infinity);
    }
  });

  it("runs well over 25× real time", () => {
    // 5 s of voice with a slow vibrato and a little noise: every frame voiced.
    const base = pulses(5, (k) => RATE / (130 + 20 * Math.sin(k / 40)));
    const x = add(base, noise(base.length, 0.01 * rms(base), 3));
    const signal: Signal = { samples: x };
    trackPitch(signal); // warm up the JIT
    // CPU time of this process, not wall time: test machines run other work alongside.
    const cpuMs = (since: NodeJS.CpuUsage): number => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    let t = process.cpuUsage();
    const p = trackPitch(signal);
    const pitchMs = cpuMs(t) / 5;
    t = process.cpuUsage();
    voiceQuality(signal, p);
    const qualityMs = cpuMs(t) / 5;
    console.log(
      `speed: pitch ${pitchMs.toFixed(1)} ms, voice quality ${qualityMs.toFixed(1)} ms per second of audio`,
    );
    // A loose bound (shared CI machines): a regression to per-lag loops would blow it.
    expect(pitchMs + qualityMs).toBeLessThan(150);
  });
});

// ---------- espeak-ng speech against Praat ----------

const missing = missingSpeechTools();
if (missing) console.warn(`audio-pitch: skipping the espeak-ng / Praat comparisons (${missing})`);

const english = "The quick brown fox jumps over the lazy dog near the river bank.";
const german = "Der schnelle braune Fuchs springt über den faulen Hund am Fluss.";
/** Three voices × three espeak pitches, the speaking rate varied across them. */
const utterances: Utterance[] = [
  { voice: "en", pitch: 20, rate: 140, amplitude: 100, text: english },
  { voice: "en", pitch: 50, rate: 175, amplitude: 100, text: english },
  { voice: "en", pitch: 80, rate: 210, amplitude: 100, text: english },
  { voice: "en+f3", pitch: 20, rate: 175, amplitude: 100, text: english },
  { voice: "en+f3", pitch: 50, rate: 210, amplitude: 100, text: english },
  { voice: "en+f3", pitch: 80, rate: 140, amplitude: 100, text: english },
  { voice: "de", pitch: 20, rate: 210, amplitude: 100, text: german },
  { voice: "de", pitch: 50, rate: 140, amplitude: 100, text: german },
  { voice: "de", pitch: 80, rate: 175, amplitude: 100, text: german },
];

interface Comparison {
  name: string;
  praat: PraatVoiceReport;
  f0Median: number;
  voicedFraction: number;
  jitter: number;
  shimmer: number;
  hnr: number;
}

describe.skipIf(missing !== undefined)("agreement with Praat on espeak-ng speech", () => {
  let dir = "";
  const results: Comparison[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pnnc-voice-"));
    for (const u of utterances) {
      const path = makeUtterance(dir, u);
      const signal = readSignal(path);
      const pitch = trackPitch(signal);
      const q = voiceQuality(signal, pitch);
      const voiced = voicedF0(pitch.f0);
      results.push({
        name: `${u.voice} -p ${u.pitch} -s ${u.rate}`,
        praat: praatVoiceReport(path, { floor: 60, ceiling: 600 }),
        f0Median: median(voiced),
        voicedFraction: voiced.length / pitch.f0.length,
        jitter: mean(finite(q.jitterLocal)),
        shimmer: mean(finite(q.shimmerLocalDb)),
        hnr: mean(finite(q.hnrDb)),
      });
    }
    console.log(
      results
        .map(
          (r) =>
            `${r.name.padEnd(20)} F0 ${r.f0Median.toFixed(1)} / ${r.praat.f0Median.toFixed(1)} Hz` +
            `  voiced ${r.voicedFraction.toFixed(3)} / ${r.praat.voicedFraction.toFixed(3)}` +
            `  jitter ${r.jitter.toFixed(4)} / ${r.praat.jitterLocal.toFixed(4)}` +
            `  shimmer ${r.shimmer.toFixed(2)} / ${r.praat.shimmerLocalDb.toFixed(2)} dB` +
            `  HNR ${r.hnr.toFixed(2)} / ${r.praat.hnrDb.toFixed(2)} dB`,
        )
        .join("\n"),
    );
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Measured on these nine utterances (mine / Praat, Praat 6.3.07, espeak-ng 1.51):
  //   F0 median: ratio 0.9995–1.014 (largest: de -p 20, 73.8 / 72.8 Hz; en+f3 -p 20 168.5 / 167.0);
  //   voiced fraction: differences −0.083 (de -p 20) to +0.034;
  //   jitter (mean of frames / Praat's whole file): ratio 0.81–1.43;
  //   shimmer (dB): ratio 0.82–1.05;
  //   HNR (mean of frames − Praat's mean harmonicity): −1.9 to −0.3 dB (60 ms-context frames
  //   against Praat's 1-period windows).
  // The bounds leave some room for other espeak-ng / Praat versions, yet fail when a measure is
  // off by 2× (F0 octave errors, jitter or shimmer broken) or HNR by 4 dB.
  it("has a median F0 within 2% of Praat's", () => {
    for (const r of results) {
      expect(Math.abs(r.f0Median / r.praat.f0Median - 1), r.name).toBeLessThan(0.02);
    }
  });

  it("calls about as many frames voiced as Praat", () => {
    for (const r of results) {
      expect(Math.abs(r.voicedFraction - r.praat.voicedFraction), r.name).toBeLessThan(0.12);
    }
  });

  it("has jitter within 0.6–1.8× Praat's", () => {
    for (const r of results) {
      expect(r.jitter / r.praat.jitterLocal, r.name).toBeGreaterThan(0.6);
      expect(r.jitter / r.praat.jitterLocal, r.name).toBeLessThan(1.8);
    }
  });

  it("has shimmer within 0.65–1.3× Praat's", () => {
    for (const r of results) {
      expect(r.shimmer / r.praat.shimmerLocalDb, r.name).toBeGreaterThan(0.65);
      expect(r.shimmer / r.praat.shimmerLocalDb, r.name).toBeLessThan(1.3);
    }
  });

  it("has HNR from 3 dB under Praat's to 1 dB over it", () => {
    for (const r of results) {
      expect(r.hnr - r.praat.hnrDb, r.name).toBeGreaterThan(-3);
      expect(r.hnr - r.praat.hnrDb, r.name).toBeLessThan(1);
    }
  });

  it("gets plausible formant medians from Praat (the helper other modules compare with)", () => {
    const path = makeUtterance(dir, {
      voice: "en",
      pitch: 50,
      rate: 175,
      amplitude: 100,
      text: english,
    });
    const { f1, f2, f3 } = praatFormants(path);
    expect(f1).toBeGreaterThan(200);
    expect(f1).toBeLessThan(f2);
    expect(f2).toBeLessThan(f3);
    expect(f3).toBeLessThan(4000);
  });

  it("finds higher F0 for higher espeak pitch in every voice", () => {
    for (let k = 0; k < results.length; k += 3) {
      const [low, mid, high] = results.slice(k, k + 3);
      expect(mid?.f0Median).toBeGreaterThan(low?.f0Median ?? Infinity);
      expect(high?.f0Median).toBeGreaterThan(mid?.f0Median ?? Infinity);
    }
  });
});
