/**
 * A checkpoint that `pnnc run` saved (engine/checkpoint.ts): model.json, its weights, and the
 * metadata `pnnc predict` needs, with the stored normalisation as the runtime's own Normalizer.
 * In: a checkpoint directory. Out: the model files, the metadata and the normaliser, or a problem.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CheckpointMetadata } from "../engine/checkpoint.js";
import type { NormalizeMode, Normalizer, Stats } from "../runtime/normalize.js";
import { fail, plain, succeed, type Outcome } from "./outcome.js";

export interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: object[] }[];
  userDefinedMetadata?: CheckpointMetadata;
}

export interface Checkpoint {
  json: ModelJson;
  weights: ArrayBuffer;
  meta: CheckpointMetadata;
  /** The training run's normalisation, to prepare new rows exactly as training did. */
  norm: Normalizer;
}

export function readCheckpoint(dir: string): Outcome<Checkpoint> {
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as ModelJson;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    return fail("failed", [
      plain(
        missing
          ? `no checkpoint in \`${dir}\` (model.json is missing)`
          : `\`${join(dir, "model.json")}\` is not valid JSON`,
      ),
    ]);
  }
  const meta = json.userDefinedMetadata;
  if (!meta?.featureNames || !meta.classes || !meta.normalization)
    return fail("failed", [
      plain(
        `\`${dir}\` was not written by pnnc (no feature names, classes or normalisation in its metadata)`,
      ),
    ]);
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, json.weightsManifest[0]?.paths[0] ?? "weights.bin"));
  } catch {
    return fail("failed", [plain(`\`${dir}\` has no weights file`)]);
  }
  return succeed({
    json,
    // readFileSync never returns shared memory.
    weights: bytes.buffer.slice(
      bytes.byteOffset,
      bytes.byteOffset + bytes.byteLength,
    ) as ArrayBuffer,
    meta,
    norm: normalizerOf(meta.normalization),
  });
}

/** The metadata's statistics (saved from the runtime's float64 arrays, so exact) as a Normalizer. */
export function normalizerOf(saved: CheckpointMetadata["normalization"]): Normalizer {
  const stats = (s: { mean: number[]; std: number[] }): Stats => ({
    mean: Float64Array.from(s.mean),
    std: Float64Array.from(s.std),
  });
  // `none` and `per_group` as saved; anything else z-scores with the global statistics.
  const mode: NormalizeMode =
    saved.mode === "none" || saved.mode === "per_group" ? saved.mode : "global";
  return {
    mode,
    global: stats(saved),
    byGroup: new Map(Object.entries(saved.groups ?? {}).map(([g, s]) => [g, stats(s)])),
  };
}
