/**
 * F1–F3 of espeak-ng speech against Praat's (Burg, 5 formants up to 5500 Hz), as medians over the
 * voiced frames of an utterance, four voices × two pitches. Tolerances are what was measured here
 * (2026-12-02, espeak-ng 1.51, Praat 6.3.07), with some margin: F1 is the hard one (LPC at 16 kHz
 * without Praat's 11 kHz resampling pulls it toward a harmonic on low voices).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formantTracks } from "../src/audio/formants.js";
import { trackPitch } from "../src/audio/pitch.js";
import { makeUtterance, missingSpeechTools, praatFormants, readSignal } from "./audio-speech.js";

const missing = missingSpeechTools();
if (missing) console.warn(`skipping the formant comparison with Praat: ${missing}`);

const median = (track: Float64Array) => {
  const values = [...track].filter(Number.isFinite).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] ?? NaN;
};

describe.skipIf(missing !== undefined)("formants against Praat on espeak-ng speech", () => {
  const dir = mkdtempSync(join(tmpdir(), "pnnc-formants-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("F1 within 0.72–1.12×, F2 within 0.90–1.08×, F3 within 0.94–1.05× of Praat's medians", () => {
    // Measured: F1 0.77–1.05, F2 0.93–1.02, F3 0.96–1.00.
    const ratios: number[][] = [];
    for (const voice of ["en", "en+f3", "de", "en-us+m3"])
      for (const pitch of [30, 70]) {
        const text = "Father saw the large dark car on the farm.";
        const path = makeUtterance(dir, { voice, pitch, rate: 150, amplitude: 100, text });
        const signal = readSignal(path);
        const mine = formantTracks(signal, trackPitch(signal).f0).frequency.map(median);
        const praat = praatFormants(path);
        const r = [praat.f1, praat.f2, praat.f3].map((p, i) => (mine[i] ?? NaN) / p);
        ratios.push(r);
        const at = `${voice} -p ${pitch}: ${mine.map((m) => m.toFixed(0)).join("/")} vs ${praat.f1.toFixed(0)}/${praat.f2.toFixed(0)}/${praat.f3.toFixed(0)}`;
        expect(r[0], at).toBeGreaterThan(0.72);
        expect(r[0], at).toBeLessThan(1.12);
        expect(r[1], at).toBeGreaterThan(0.9);
        expect(r[1], at).toBeLessThan(1.08);
        expect(r[2], at).toBeGreaterThan(0.94);
        expect(r[2], at).toBeLessThan(1.05);
      }
    // Over all eight, F2 and F3 are close on average: a systematic error would show here.
    const mean = (k: number) => ratios.reduce((a, r) => a + (r[k] ?? 0), 0) / ratios.length;
    expect(Math.abs(mean(1) - 1)).toBeLessThan(0.04);
    expect(Math.abs(mean(2) - 1)).toBeLessThan(0.03);
  });
});
