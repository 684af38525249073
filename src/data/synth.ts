/**
 * `pnnc data synth`: a synthetic table shaped like an eGeMAPS export (88 named features plus
 * `filename`, `speaker`, `gender`, `emotion`), where the labels shift the features in known ways.
 * In: speakers, utterances per speaker, a seed, an output path. Out: the CSV, streamed in chunks (a
 * million rows never sit in memory). Deterministic: the same seed writes the same bytes everywhere.
 *
 * Generative model, with latent z mixed into the features by a fixed random matrix A (88 × 16):
 *   z[0..8)   speaker identity a_s (fixed per speaker)
 *   z[8..10)  gender direction ±u
 *   z[10..16) emotion effect b_e, scaled by a speaker-specific gain (1 + 0.4·γ_s)
 *   z[0..4)  += 0.6·b_e[0..4): emotion also moves the dimensions that carry speaker identity
 * so speaker (and gender) representations span part of the emotion subspace, and knowing the speaker
 * helps undo the speaker-specific gain: transfer from speaker or gender to emotion genuinely helps.
 */
import { openAtomic } from "../runtime/atomic-files.js";
import { EGEMAPS_NAMES } from "../audio/egemaps-names.js";
import { hashSeed, Prng } from "../runtime/prng.js";

export const SYNTH_EMOTIONS = ["angry", "happy", "neutral", "sad"] as const;
const LATENT = 16;
const CHUNK_ROWS = 5000;

export interface SynthOptions {
  speakers: number;
  utterances: number;
  seed: number;
  out: string;
  /**
   * 0 (default): the table the seed describes. Any other domain keeps the seed's emotion and
   * gender patterns but draws new speakers (a disjoint corpus, speaker ids offset by 1000 × domain)
   * and a recording channel that shifts and rescales every feature: a second dataset to transfer to.
   */
  domain?: number;
  /** Std of the per-feature noise around each utterance's latent state (default 0.8). */
  noise?: number;
}

interface Model {
  mix: Float64Array; // 88 × LATENT
  offset: Float64Array;
  scale: Float64Array;
  speakers: { identity: number[]; gender: "female" | "male"; gain: number }[];
  emotions: number[][];
  genderDirection: number[];
}

/** Another corpus: new speakers and a channel effect on every feature, from the domain's own seed. */
function shiftDomain(model: Model, opts: SynthOptions, domain: number): Model {
  const rng = new Prng(hashSeed("synth-domain", opts.seed, domain));
  return {
    ...model,
    offset: model.offset.map((o, f) => o + 1.5 * (model.scale[f] ?? 1) * rng.normal()),
    scale: model.scale.map((v) => v * Math.exp(0.3 * rng.normal())),
    speakers: model.speakers.map((_, s) => ({
      identity: Array.from({ length: 8 }, () => rng.normal() * 1.2),
      gender: s % 2 === 0 ? ("male" as const) : ("female" as const),
      gain: 1 + 0.4 * rng.normal(),
    })),
  };
}

function buildModel(opts: SynthOptions, rng: Prng): Model {
  const n = EGEMAPS_NAMES.length;
  const mix = Float64Array.from({ length: n * LATENT }, () => rng.normal() / Math.sqrt(LATENT));
  // eGeMAPS features live on very different scales (Hz, dB, ratios); so do these.
  const offset = Float64Array.from({ length: n }, () => rng.normal() * 20);
  const scale = Float64Array.from({ length: n }, () => Math.exp(rng.normal()));
  const speakers = Array.from({ length: opts.speakers }, (_, s) => ({
    identity: Array.from({ length: 8 }, () => rng.normal() * 1.2),
    gender: s % 2 === 0 ? ("male" as const) : ("female" as const),
    gain: 1 + 0.4 * rng.normal(),
  }));
  const emotions = SYNTH_EMOTIONS.map(() => Array.from({ length: 6 }, () => rng.normal()));
  const genderDirection = [rng.normal() * 1.5, rng.normal() * 1.5];
  return { mix, offset, scale, speakers, emotions, genderDirection };
}

function row(
  noise: number,
  model: Model,
  s: number,
  e: number,
  rng: Prng,
  z: Float64Array,
  x: Float64Array,
): void {
  const speaker = model.speakers[s];
  const emotion = model.emotions[e];
  if (!speaker || !emotion) throw new Error("internal: synth index out of range");
  z.fill(0);
  speaker.identity.forEach((v, i) => (z[i] = v));
  const sign = speaker.gender === "male" ? 1 : -1;
  model.genderDirection.forEach((v, i) => (z[8 + i] = sign * v));
  emotion.forEach((v, i) => (z[10 + i] = v * speaker.gain));
  for (let i = 0; i < 4; i++) z[i] = (z[i] ?? 0) + 0.6 * (emotion[i] ?? 0);
  for (let f = 0; f < x.length; f++) {
    let v = 0;
    for (let l = 0; l < LATENT; l++) v += (model.mix[f * LATENT + l] ?? 0) * (z[l] ?? 0);
    x[f] = (model.offset[f] ?? 0) + (model.scale[f] ?? 1) * (v + noise * rng.normal());
  }
}

/**
 * Writes the table and returns the number of rows written. It goes to a temporary file first and is
 * renamed at the end, so an interrupted run never leaves a truncated table under the real name.
 */
export function writeSynthetic(opts: SynthOptions): number {
  const rng = new Prng(opts.seed);
  const domain = opts.domain ?? 0;
  const base = buildModel(opts, rng);
  const model = domain === 0 ? base : shiftDomain(base, opts, domain);
  const speakerId = (s: number) => domain * 1000 + s + 1;
  const file = openAtomic(opts.out);
  const z = new Float64Array(LATENT);
  const x = new Float64Array(EGEMAPS_NAMES.length);
  let rows = 0;
  try {
    file.write(["filename", "speaker", "gender", "emotion", ...EGEMAPS_NAMES].join(",") + "\n");
    let chunk: string[] = [];
    for (let s = 0; s < opts.speakers; s++) {
      for (let u = 0; u < opts.utterances; u++) {
        const e = (u + s) % SYNTH_EMOTIONS.length;
        row(opts.noise ?? 0.8, model, s, e, rng, z, x);
        const values = Array.from(x, (v) => Number(v.toPrecision(7)));
        const speaker = model.speakers[s];
        chunk.push(
          [
            `s${speakerId(s)}_u${u + 1}.wav`,
            speakerId(s),
            speaker?.gender,
            SYNTH_EMOTIONS[e],
            ...values,
          ].join(","),
        );
        rows++;
        if (chunk.length === CHUNK_ROWS) {
          file.write(chunk.join("\n") + "\n");
          chunk = [];
        }
      }
    }
    if (chunk.length > 0) file.write(chunk.join("\n") + "\n");
  } catch (e) {
    file.abort();
    throw e;
  }
  file.commit();
  return rows;
}
