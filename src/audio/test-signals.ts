/**
 * Audio made in code for tests and the extraction bench: vowel-like signals (a sawtooth's
 * harmonics shaped by three formant peaks, with vibrato) of chosen pitch, loudness, length and
 * rate, and 16-bit PCM WAV files of them. In: the settings. Out: samples, or a WAV file.
 */
import { writeFileSync } from "node:fs";
import { Prng } from "../runtime/prng.js";

export interface VowelSettings {
  f0: number;
  seconds: number;
  rate?: number;
  amplitude?: number;
  /** Formant centres in Hz; the harmonics near them are boosted. */
  formants?: [number, number, number];
  /** Seed of the small noise added (so files differ byte for byte). */
  seed?: number;
  /** Vibrato depth as a fraction of f0 (5 Hz), so the pitch contour has slopes. */
  vibrato?: number;
  /** Level of the seeded white noise added (relative to the harmonics' scale; default 0.002). */
  noise?: number;
}

export function vowel(s: VowelSettings): Float32Array {
  const rate = s.rate ?? 16000;
  const n = Math.round(s.seconds * rate);
  const [f1, f2, f3] = s.formants ?? [700, 1200, 2600];
  const out = new Float32Array(n);
  let phase = 0;
  const noise = new Prng(s.seed ?? 1);
  const gain = (f: number) =>
    [f1, f2, f3].reduce((g, c, i) => g + (1 / (i + 1)) * Math.exp(-(((f - c) / 120) ** 2)), 0.3);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const f0 = s.f0 * (1 + (s.vibrato ?? 0.02) * Math.sin(2 * Math.PI * 5 * t));
    phase += (2 * Math.PI * f0) / rate;
    let v = 0;
    for (let h = 1; h * f0 < Math.min(4000, rate / 2 - 200); h++)
      v += (gain(h * f0) / h) * Math.sin(h * phase);
    v += (s.noise ?? 0.002) * (noise.next() - 0.5);
    // A 20 ms fade in and out, as a spoken vowel has.
    const fade = Math.min(1, t / 0.02, (s.seconds - t) / 0.02);
    out[i] = (s.amplitude ?? 0.3) * fade * v;
  }
  const peak = out.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const scale = peak > 0 ? (s.amplitude ?? 0.3) / peak : 1;
  return out.map((v) => v * scale);
}

/** A canonical 44-byte-header PCM16 mono WAV file. */
export function wavBytes(samples: Float32Array, rate = 16000): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((v, i) =>
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), i * 2),
  );
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export function writeVowel(path: string, s: VowelSettings): void {
  writeFileSync(path, wavBytes(vowel(s), s.rate ?? 16000));
}
