/**
 * A small synthetic "corpus" for the audio demo, spoken by Debian's espeak-ng (run as a program):
 * speakers are voices (with a gender), classes are speaking styles (pitch, rate, loudness), each
 * utterance varied a little by a seeded generator. It is synthetic speech, not emotion.
 * In: an output folder (`node dist/tools/espeak-corpus.js DIR [--small]`). Out: DIR/SPEAKER_GENDER_STYLE_N.wav.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Prng } from "../runtime/prng.js";

/** espeak-ng voice variants: the speaker's name, voice and gender. */
export const VOICES = [
  { speaker: "ann", voice: "en+f1", gender: "female" },
  { speaker: "bob", voice: "en+m1", gender: "male" },
  { speaker: "cat", voice: "en-us+f2", gender: "female" },
  { speaker: "dan", voice: "en-us+m3", gender: "male" },
  { speaker: "eve", voice: "en-gb-scotland+f3", gender: "female" },
  { speaker: "fred", voice: "en-gb-scotland+m4", gender: "male" },
  { speaker: "gia", voice: "en-029+f4", gender: "female" },
  { speaker: "hal", voice: "en-029+m2", gender: "male" },
] as const;

/** Styles by espeak's pitch (0–99), rate (words per minute) and amplitude (0–200). */
export const STYLES = {
  neutral: { pitch: 50, rate: 160, amplitude: 100 },
  lively: { pitch: 75, rate: 200, amplitude: 150 },
  subdued: { pitch: 28, rate: 120, amplitude: 65 },
  tense: { pitch: 45, rate: 215, amplitude: 185 },
} as const;

export const SENTENCES = [
  "Kids are talking by the door.",
  "Dogs are sitting by the door.",
  "The train leaves at seven tonight.",
  "Please put the books on the table.",
  "I did not expect to see you here.",
  "We will meet again next week.",
];

export function espeakAvailable(): boolean {
  return spawnSync("espeak-ng", ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * Writes the corpus; `small` keeps 6 speakers (3 of each gender, so leave-one-speaker-out with a
 * validation speaker still trains on both), 2 styles and 1 sentence, for tests. Each
 * utterance moves pitch by up to ±8 and rate by up to ±12% around its style, seeded per file.
 */
export function writeCorpus(dir: string, opts: { small?: boolean } = {}): string[] {
  mkdirSync(dir, { recursive: true });
  const voices = opts.small ? VOICES.slice(0, 6) : VOICES;
  const styles = Object.entries(STYLES).slice(0, opts.small ? 2 : undefined);
  const sentences = SENTENCES.slice(0, opts.small ? 1 : undefined);
  const prng = new Prng(12345);
  const next = () => prng.next() - 0.5;
  const written: string[] = [];
  for (const v of voices)
    for (const [style, s] of styles)
      sentences.forEach((text, i) => {
        const path = join(dir, `${v.speaker}_${v.gender}_${style}_${i + 1}.wav`);
        const args = [
          "-v",
          v.voice,
          "-p",
          String(Math.round(Math.min(99, Math.max(0, s.pitch + 16 * next())))),
          "-s",
          String(Math.round(s.rate * (1 + 0.24 * next()))),
          "-a",
          String(s.amplitude),
          "-w",
          path,
          text,
        ];
        const r = spawnSync("espeak-ng", args, { stdio: ["ignore", "ignore", "pipe"] });
        if (r.status !== 0) throw new Error(`espeak-ng failed on ${path}: ${String(r.stderr)}`);
        written.push(path);
      });
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write("usage: node dist/tools/espeak-corpus.js DIR [--small]\n");
    process.exit(2);
  }
  if (!espeakAvailable()) {
    process.stderr.write("espeak-ng is not installed (apt-get install espeak-ng)\n");
    process.exit(1);
  }
  const files = writeCorpus(dir, { small: process.argv.includes("--small") });
  process.stderr.write(`wrote ${files.length} synthetic utterances to ${dir}\n`);
}
