/**
 * A checkpoint that `pnnc run` saved (engine/checkpoint.ts): model.json, its weights, and the
 * metadata `pnnc predict` needs, each checked before use (check-checkpoint.ts), with the stored
 * normalisation as the runtime's own Normalizer.
 * In: a checkpoint directory. Out: the model files, the metadata and the normaliser, or a problem.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CheckpointMetadata } from "../engine/checkpoint.js";
import type { NormalizeMode, Normalizer, Stats } from "../runtime/normalize.js";
import { checkMetadata, checkModelJson, checkWeights, type ModelJson } from "./check-checkpoint.js";
import { coded, fail, plain, succeed, type Outcome, type Problem } from "./outcome.js";

export type { ModelJson };

export interface Checkpoint {
  json: ModelJson;
  weights: ArrayBuffer;
  meta: CheckpointMetadata;
  /** The training run's normalisation, to prepare new rows exactly as training did. */
  norm: Normalizer;
}

export function readCheckpoint(dir: string): Outcome<Checkpoint> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
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
  const json = checkModelJson(dir, parsed);
  if ("message" in json) return fail("failed", [json]);
  const checked = checkMetadata(dir, json.userDefinedMetadata);
  if ("message" in checked) return fail("failed", [checked]);
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, "weights.bin"));
  } catch {
    return fail("failed", [plain(`\`${dir}\` has no weights file`)]);
  }
  const corrupt = checkWeights(dir, json, bytes, checked.integrity);
  if (corrupt) return fail("failed", [corrupt]);
  // Accepted: the length and finiteness checks still hold; only a finite alteration goes unseen.
  const warnings: Problem[] = checked.integrity
    ? []
    : [
        coded(
          "PNN4020",
          `the checkpoint in \`${dir}\` records no checksum of its weights (written by an older pnnc)`,
          "run the spec again with `pnnc run` to write a checked checkpoint",
        ),
      ];
  return succeed(
    {
      json,
      // readFileSync never returns shared memory.
      weights: bytes.buffer.slice(
        bytes.byteOffset,
        bytes.byteOffset + bytes.byteLength,
      ) as ArrayBuffer,
      meta: checked.meta,
      norm: normalizerOf(checked.meta.normalization),
    },
    { problems: warnings },
  );
}

/** The metadata's statistics (saved from the runtime's float64 arrays, so exact) as a Normalizer. */
export function normalizerOf(saved: CheckpointMetadata["normalization"]): Normalizer {
  const stats = (s: { mean: number[]; std: number[] }): Stats => ({
    mean: Float64Array.from(s.mean),
    std: Float64Array.from(s.std),
  });
  return {
    // readCheckpoint has checked the mode against NORMALIZE_MODES.
    mode: saved.mode as NormalizeMode,
    global: stats(saved),
    byGroup: new Map(Object.entries(saved.groups).map(([g, s]) => [g, stats(s)])),
  };
}
