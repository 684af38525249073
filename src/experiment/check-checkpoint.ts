/**
 * What `pnnc predict` checks before it trusts a checkpoint: model.json's shape, the metadata against
 * what `pnnc run` writes (PNN4018), and weights.bin against the manifest and recorded digest (PNN4019).
 * In: parsed model.json, the weights' bytes, the loaded model's widths. Out: a coded problem, or none.
 */
import { CHECKPOINT_FORMAT, sha256Of, type CheckpointMetadata } from "../engine/checkpoint.js";
import { NORMALIZE_MODES } from "../runtime/vocabulary.js";
import { coded, type Problem } from "./outcome.js";

/** One weight of the manifest, as pnnc writes them: float32 only. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: "float32";
}

export interface ModelJson {
  modelTopology: object;
  weightsManifest: [{ paths: ["weights.bin"]; weights: WeightSpec[] }];
  userDefinedMetadata: unknown;
}

/** The recorded length and digest of weights.bin; null for a checkpoint from before they existed. */
export type Integrity = { bytes: number; sha256: string } | null;

const RERUN = "run the spec again with `pnnc run` to write a fresh checkpoint";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const shown = (v: unknown): string => (v === undefined ? "missing" : JSON.stringify(v));

function invalid(dir: string, why: string): Problem {
  return coded("PNN4018", `the checkpoint in \`${dir}\` is invalid: ${why}`, RERUN);
}

function corrupt(dir: string, why: string): Problem {
  return coded("PNN4019", `the checkpoint in \`${dir}\` is corrupt: ${why}`, RERUN);
}

/** model.json's parts that predict reads, before any file it names is opened. */
export function checkModelJson(dir: string, json: unknown): ModelJson | Problem {
  if (!isObject(json)) return invalid(dir, "model.json is not a JSON object");
  if (!isObject(json["modelTopology"])) return invalid(dir, "model.json has no `modelTopology`");
  const manifest = json["weightsManifest"];
  // One group naming weights.bin: a manifest that named another path would make predict read it.
  if (!Array.isArray(manifest) || manifest.length !== 1 || !isObject(manifest[0]))
    return invalid(dir, "`weightsManifest` is not one group of weights");
  const group = manifest[0];
  const paths = group["paths"];
  if (!Array.isArray(paths) || paths.length !== 1 || paths[0] !== "weights.bin")
    return invalid(dir, `\`weightsManifest\` names ${shown(paths)}, not ["weights.bin"]`);
  const weights = group["weights"];
  if (!Array.isArray(weights)) return invalid(dir, "`weightsManifest` lists no weights");
  for (const [i, w] of weights.entries()) {
    const ok =
      isObject(w) &&
      typeof w["name"] === "string" &&
      Array.isArray(w["shape"]) &&
      w["shape"].every((d) => Number.isSafeInteger(d) && (d as number) >= 0) &&
      w["dtype"] === "float32" &&
      w["quantization"] === undefined;
    if (!ok)
      return invalid(dir, `weight ${i} of the manifest is not a float32 weight with a shape`);
  }
  return json as unknown as ModelJson;
}

/** A finite number list of `dims` values; std values must also be positive (fitNormalizer's 1 for a constant). */
function statsProblem(where: string, stats: unknown, dims: number): string | null {
  if (!isObject(stats)) return `\`${where}\` is ${shown(stats)}, not statistics`;
  for (const key of ["mean", "std"] as const) {
    const list = stats[key];
    if (!Array.isArray(list)) return `\`${where}.${key}\` is ${shown(list)}, not a list`;
    if (list.length !== dims)
      return `\`${where}.${key}\` has ${list.length} values but \`featureNames\` lists ${dims} features`;
    const bad = list.findIndex(
      (v) => typeof v !== "number" || !Number.isFinite(v) || (key === "std" && v <= 0),
    );
    if (bad >= 0)
      return `\`${where}.${key}[${bad}]\` is ${shown(list[bad])}, not a ${key === "std" ? "positive " : ""}finite number`;
  }
  return null;
}

function distinctStrings(list: unknown): list is string[] {
  return (
    Array.isArray(list) &&
    list.every((s) => typeof s === "string") &&
    new Set(list).size === list.length
  );
}

/**
 * The metadata against what `pnnc run` writes; the widths against the model come later
 * (`checkWidths`), once the model is loaded. Returns the metadata and the recorded integrity.
 */
export function checkMetadata(
  dir: string,
  meta: unknown,
): { meta: CheckpointMetadata; integrity: Integrity } | Problem {
  if (!isObject(meta))
    return invalid(dir, "model.json has no pnnc metadata (`userDefinedMetadata`)");
  const format = meta["checkpointFormat"];
  let integrity: Integrity = null;
  if (format !== undefined) {
    if (!Number.isSafeInteger(format) || (format as number) < 1)
      return invalid(dir, `\`checkpointFormat\` is ${shown(format)}`);
    if ((format as number) > CHECKPOINT_FORMAT)
      return coded(
        "PNN4018",
        `the checkpoint in \`${dir}\` has format ${String(format)}; this pnnc reads format ${CHECKPOINT_FORMAT} and older`,
        "predict with the pnnc that wrote it, or a newer one",
      );
    const w = meta["weights"];
    if (
      !isObject(w) ||
      !Number.isSafeInteger(w["bytes"]) ||
      (w["bytes"] as number) < 0 ||
      typeof w["sha256"] !== "string" ||
      !/^[0-9a-f]{64}$/.test(w["sha256"])
    )
      return invalid(dir, "`weights` does not record weights.bin's length and SHA-256");
    integrity = { bytes: w["bytes"] as number, sha256: w["sha256"] };
  }
  for (const key of ["pnnc", "specHash", "column"])
    if (typeof meta[key] !== "string") return invalid(dir, `\`${key}\` is ${shown(meta[key])}`);
  const taskColumns = meta["taskColumns"];
  if (!isObject(taskColumns) || !Object.values(taskColumns).every((c) => typeof c === "string"))
    return invalid(dir, "`taskColumns` is not a map from tasks to columns");
  const features = meta["featureNames"];
  if (!distinctStrings(features) || features.length === 0)
    return invalid(dir, "`featureNames` is not a non-empty list of distinct strings");
  const classes = meta["classes"];
  if (!distinctStrings(classes) || classes.length < 2)
    return invalid(dir, "`classes` is not a list of at least two distinct strings");
  const norm = meta["normalization"];
  if (!isObject(norm)) return invalid(dir, "`normalization` is missing");
  const mode = norm["mode"];
  if (!(NORMALIZE_MODES as readonly unknown[]).includes(mode))
    return invalid(
      dir,
      `normalisation mode ${shown(mode)} is none of ${NORMALIZE_MODES.map((m) => `\`${m}\``).join(", ")}`,
    );
  const group = norm["group"];
  if (group !== null && typeof group !== "string")
    return invalid(dir, `\`normalization.group\` is ${shown(group)}`);
  if (mode === "per_group" && group === null)
    return invalid(dir, "`per_group` normalisation names no group column");
  // `none` still records the global statistics (predict fills missing values with the mean).
  const global = statsProblem("normalization", norm, features.length);
  if (global) return invalid(dir, global);
  const groups = norm["groups"];
  if (!isObject(groups)) return invalid(dir, "`normalization.groups` is not a map of statistics");
  for (const [g, stats] of Object.entries(groups)) {
    const problem = statsProblem(`normalization.groups.${g}`, stats, features.length);
    if (problem) return invalid(dir, problem);
  }
  return { meta: meta as unknown as CheckpointMetadata, integrity };
}

/** weights.bin against the manifest's total size, the recorded length and digest, and finiteness. */
export function checkWeights(
  dir: string,
  json: ModelJson,
  bytes: Uint8Array,
  integrity: Integrity,
): Problem | null {
  const specs = json.weightsManifest[0].weights;
  const sizes = specs.map((w) => w.shape.reduce((n, d) => n * d, 1) * 4);
  const expected = sizes.reduce((a, b) => a + b, 0);
  if (bytes.byteLength !== expected)
    return corrupt(
      dir,
      `weights.bin holds ${bytes.byteLength} bytes where its manifest lists ${expected}`,
    );
  if (integrity && integrity.bytes !== bytes.byteLength)
    return corrupt(
      dir,
      `weights.bin holds ${bytes.byteLength} bytes where ${integrity.bytes} were written`,
    );
  if (integrity && sha256Of(bytes) !== integrity.sha256)
    return corrupt(dir, "weights.bin's SHA-256 differs from the one recorded when it was written");
  // Copied (a Buffer's slice() would share its pool), so the view is aligned and exactly the file.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const values = new Float32Array(copy.buffer);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad < 0) return null;
  let offset = 0;
  const weight = specs.find((_, i) => {
    offset += (sizes[i] ?? 0) / 4;
    return bad < offset;
  });
  return corrupt(
    dir,
    `weight \`${weight?.name ?? "?"}\` holds ${String(values[bad])}, not a finite number`,
  );
}

/** The metadata's feature names and classes against the loaded model's input and output widths. */
export function checkWidths(
  dir: string,
  meta: CheckpointMetadata,
  inputs: readonly (readonly (number | null)[])[],
  outputs: readonly (readonly (number | null)[])[],
): Problem | null {
  const width = (shapes: readonly (readonly (number | null)[])[]) =>
    shapes.length === 1 && shapes[0]?.length === 2 ? shapes[0][1] : undefined;
  const n = width(inputs);
  const k = width(outputs);
  if (typeof n !== "number" || typeof k !== "number")
    return invalid(dir, "the model does not map one feature vector to one probability vector");
  if (n !== meta.featureNames.length)
    return invalid(
      dir,
      `\`featureNames\` lists ${meta.featureNames.length} features but the model takes ${n}`,
    );
  if (k !== meta.classes.length)
    return invalid(dir, `\`classes\` lists ${meta.classes.length} classes but the model has ${k}`);
  return null;
}
