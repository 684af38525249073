/**
 * Test helper (not a test file): synthetic speech from Debian's espeak-ng, resampled to 16 kHz by
 * sox, and reference measurements from Debian's praat run as a separate program.
 * In: a directory, voice settings and text; a WAV path. Out: WAV paths, 16 kHz samples, Praat's
 * F0 / jitter / shimmer / HNR and formant medians.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Signal } from "../src/audio/types.js";

export interface SpeechTools {
  espeak: boolean;
  praat: boolean;
  sox: boolean;
}

function runs(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 20_000 });
  return result.error === undefined && result.status === 0;
}

let tools: SpeechTools | undefined;

/** Which of espeak-ng, praat and sox can be run here (checked once per process). */
export function speechTools(): SpeechTools {
  tools ??= {
    espeak: runs("espeak-ng", ["--version"]),
    praat: runs("praat", ["--version"]),
    sox: runs("sox", ["--version"]),
  };
  return tools;
}

/** Why the speech tests cannot run here, or undefined when they can. */
export function missingSpeechTools(): string | undefined {
  const t = speechTools();
  const missing = [t.espeak ? "" : "espeak-ng", t.praat ? "" : "praat", t.sox ? "" : "sox"].filter(
    Boolean,
  );
  return missing.length > 0 ? `not installed: ${missing.join(", ")}` : undefined;
}

export interface Utterance {
  /** An espeak-ng voice, e.g. "en", "en+f3", "de". */
  voice: string;
  /** espeak-ng's pitch, 0–99 (default 50). */
  pitch: number;
  /** Words per minute (default 175). */
  rate: number;
  /** Amplitude, 0–200 (default 100). */
  amplitude: number;
  text: string;
}

function check(result: ReturnType<typeof spawnSync>, what: string): void {
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}): ${result.stderr}`);
}

/**
 * espeak-ng speaks `u` (22050 Hz 16-bit mono) and sox resamples it to 16 kHz 16-bit mono.
 * Returns the 16 kHz WAV's path in `dir` (named after the settings).
 */
export function makeUtterance(dir: string, u: Utterance): string {
  const name = `${u.voice.replace(/[^A-Za-z0-9]/g, "_")}-p${u.pitch}-s${u.rate}-a${u.amplitude}`;
  const raw = join(dir, `${name}-22k.wav`);
  const out = join(dir, `${name}.wav`);
  const args = ["-v", u.voice, "-p", `${u.pitch}`, "-s", `${u.rate}`, "-a", `${u.amplitude}`];
  check(spawnSync("espeak-ng", [...args, "-w", raw, u.text], { encoding: "utf8" }), "espeak-ng");
  check(
    spawnSync("sox", [raw, "-r", "16000", "-b", "16", "-c", "1", out], { encoding: "utf8" }),
    "sox",
  );
  return out;
}

/** The samples of a 16-bit PCM mono WAV as floats in [−1, 1), with its rate. */
export function readPcm16(path: string): { rate: number; samples: Float32Array } {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.toString("latin1", 0, 4) !== "RIFF" || bytes.toString("latin1", 8, 12) !== "WAVE") {
    throw new Error(`${path}: not a RIFF WAVE file`);
  }
  let rate = 0;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString("latin1", offset, offset + 4);
    let size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === "fmt ") {
      const format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      rate = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      if ((format !== 1 && format !== 0xfffe) || channels !== 1 || bits !== 16) {
        throw new Error(
          `${path}: not 16-bit PCM mono (format ${format}, ${channels} ch, ${bits} bit)`,
        );
      }
    } else if (id === "data") {
      // A writer that streamed (e.g. to a pipe) may leave a placeholder size: clip to the file.
      size = Math.min(size, bytes.length - body);
      const samples = new Float32Array(Math.floor(size / 2));
      for (let i = 0; i < samples.length; i++)
        samples[i] = view.getInt16(body + 2 * i, true) / 32768;
      return { rate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

/** A 16 kHz WAV as the extractor's Signal (throws on any other rate). */
export function readSignal(path: string): Signal {
  const { rate, samples } = readPcm16(path);
  if (rate !== 16000) throw new Error(`${path}: ${rate} Hz, not 16000`);
  return { samples };
}

function praat(dir: string, name: string, script: string, args: string[]): string {
  const file = join(dir, name);
  if (!existsSync(file)) writeFileSync(file, script);
  const result = spawnSync("praat", ["--run", file, ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  check(result, "praat");
  return result.stdout;
}

const VOICE_REPORT = `form Voice report
  sentence Path x
  positive Floor 75
  positive Ceiling 600
endform
sound = Read from file: path$
pitch = To Pitch (cc): 0, floor, 15, "no", 0.03, 0.45, 0.01, 0.35, 0.14, ceiling
f0median = Get quantile: 0, 0, 0.5, "Hertz"
f0mean = Get mean: 0, 0, "Hertz"
voiced = Count voiced frames
frames = Get number of frames
selectObject: sound, pitch
points = To PointProcess (cc)
jitter = Get jitter (local): 0, 0, 0.0001, 0.02, 1.3
selectObject: sound, points
shimmer = Get shimmer (local_dB): 0, 0, 0.0001, 0.02, 1.3, 1.6
selectObject: sound
harmonicity = To Harmonicity (cc): 0.01, floor, 0.1, 1.0
hnr = Get mean: 0, 0
writeInfoLine: f0median, " ", f0mean, " ", jitter, " ", shimmer, " ", hnr, " ", voiced / frames
`;

export interface PraatVoiceReport {
  /** Median and mean F0 over voiced frames (Hz). */
  f0Median: number;
  f0Mean: number;
  /** Jitter (local) as a ratio (Praat's script value; its voice report shows it in %). */
  jitterLocal: number;
  /** Shimmer (local, dB). */
  shimmerLocalDb: number;
  /** Mean harmonicity (cc) over voiced frames (dB). */
  hnrDb: number;
  /** The fraction of Pitch frames (10 ms) that Praat calls voiced. */
  voicedFraction: number;
}

/**
 * Praat's voice report of a WAV: Pitch (cc) with the given floor and ceiling (Hz), PointProcess
 * (cc), jitter / shimmer with Praat's usual arguments (periods 0.1–20 ms, period factor 1.3,
 * amplitude factor 1.6), Harmonicity (cc) at 10 ms with silence threshold 0.1, 1 period per window.
 */
export function praatVoiceReport(
  path: string,
  { floor, ceiling }: { floor: number; ceiling: number },
): PraatVoiceReport {
  const dir = join(path, "..");
  const out = praat(dir, "voice-report.praat", VOICE_REPORT, [path, `${floor}`, `${ceiling}`]);
  const [f0Median, f0Mean, jitter, shimmer, hnr, voiced] = out.trim().split(/\s+/).map(Number);
  return {
    f0Median: f0Median ?? NaN,
    f0Mean: f0Mean ?? NaN,
    jitterLocal: jitter ?? NaN,
    shimmerLocalDb: shimmer ?? NaN,
    hnrDb: hnr ?? NaN,
    voicedFraction: voiced ?? NaN,
  };
}

const FORMANTS = `form Formants
  sentence Path x
endform
sound = Read from file: path$
pitch = To Pitch: 0, 75, 600
selectObject: sound
formant = To Formant (burg): 0, 5, 5500, 0.025, 50
n = Get number of frames
writeInfo: ""
for i to n
  t = Get time from frame number: i
  selectObject: pitch
  f0 = Get value at time: t, "Hertz", "linear"
  selectObject: formant
  if f0 <> undefined
    f1 = Get value at time: 1, t, "Hertz", "linear"
    f2 = Get value at time: 2, t, "Hertz", "linear"
    f3 = Get value at time: 3, t, "Hertz", "linear"
    appendInfoLine: f1, " ", f2, " ", f3
  endif
endfor
`;

function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/**
 * Praat's F1–F3 medians (Hz) over the voiced frames of a WAV: Formant (burg), 5 formants up to
 * 5500 Hz, 25 ms windows, pre-emphasis from 50 Hz; voiced = Praat's default Pitch (75–600 Hz)
 * defined at the frame's time.
 */
export function praatFormants(path: string): { f1: number; f2: number; f3: number } {
  const out = praat(join(path, ".."), "formants.praat", FORMANTS, [path]);
  const rows = out
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number));
  return {
    f1: median(rows.map((r) => r[0] ?? NaN)),
    f2: median(rows.map((r) => r[1] ?? NaN)),
    f3: median(rows.map((r) => r[2] ?? NaN)),
  };
}
