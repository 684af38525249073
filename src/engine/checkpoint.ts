/**
 * Checkpoints in the standard TensorFlow.js layers format (model.json + weights.bin), loadable with
 * plain `tf.loadLayersModel`. A trained column and every column it reads become one functional model
 * of Dense, Add, Concatenate and Activation layers: frozen sources included, dropout left out
 * (inference), and each adapter's α folded into its V (V(α·h) = (αV)·h), so no custom layer is needed.
 * The metadata records weights.bin's length and SHA-256, so `pnnc predict` can refuse altered weights.
 * In: a column model, the models it reads, metadata. Out: files in a directory, written atomically.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { replaceDirectoryAtomic, writeFileAtomic } from "../runtime/atomic-files.js";
import type * as Tf from "@tensorflow/tfjs";
import type { ColumnModel } from "./column-model.js";

type Symbolic = Tf.SymbolicTensor;

/**
 * The checkpoint format this pnnc writes and reads. 1: the metadata records `weights` (length and
 * SHA-256 of weights.bin). Checkpoints written before have no `checkpointFormat` at all.
 */
export const CHECKPOINT_FORMAT = 1;

/** What the caller of `saveCheckpoint` describes; the format and the weights' digest are added. */
export interface CheckpointMetadata {
  pnnc: string;
  specHash: string;
  /** Task → the column that solves it in this checkpoint. */
  taskColumns: Record<string, string>;
  column: string;
  classes: string[];
  featureNames: string[];
  /** The run's normalisation, so `pnnc predict` prepares new data exactly as training did. */
  normalization: {
    mode: string;
    mean: number[];
    std: number[];
    /** For `per_group`: the group column and each training group's statistics. */
    group: string | null;
    groups: Record<string, { mean: number[]; std: number[] }>;
  };
}

/** The metadata as stored in model.json's `userDefinedMetadata`. */
export interface StoredCheckpointMetadata extends CheckpointMetadata {
  checkpointFormat: number;
  /** weights.bin as written, so a truncated, extended or altered file is detected before use. */
  weights: { bytes: number; sha256: string };
}

/** Builds the inference graph of `column` (and its sources) as a tf.LayersModel. */
export function toLayersModel(
  tf: typeof Tf,
  column: ColumnModel,
  models: ReadonlyMap<string, ColumnModel>,
  inputDim: number,
): Tf.LayersModel {
  const input = tf.input({ shape: [inputDim], name: "features" });
  const built = new Map<string, Symbolic[]>();
  const dense = (
    name: string,
    kernel: Tf.Tensor,
    bias: Tf.Tensor | null,
    activation: string,
    x: Symbolic,
  ): Symbolic =>
    tf.layers
      .dense({
        name,
        units: kernel.shape[1] ?? 0,
        useBias: bias !== null,
        activation: activation as "linear",
        weights: bias === null ? [kernel] : [kernel, bias],
      })
      .apply(x) as Symbolic;
  const sum = (name: string, terms: Symbolic[]): Symbolic =>
    terms.length === 1
      ? (terms[0] as Symbolic)
      : (tf.layers.add({ name }).apply(terms) as Symbolic);
  const lateralTerms = (model: ColumnModel, into: number | "head"): Symbolic[] =>
    model.links
      .filter((l) => l.into === into)
      .flatMap((link, j) => {
        const inputs = link.sources.map((s) => {
          const hs = built.get(s) ?? [];
          return (into === "head" ? hs[hs.length - 1] : hs[into - 2]) as Symbolic;
        });
        const tag = `${model.ir.id}_lateral${j}_${into === "head" ? "head" : `h${into}`}`;
        if (!link.adapter)
          return inputs.map((x, k) =>
            dense(`${tag}_U${k}`, link.u[k] as Tf.Tensor, null, "linear", x),
          );
        const joined =
          inputs.length === 1
            ? (inputs[0] as Symbolic)
            : (tf.layers.concatenate({ name: `${tag}_concat` }).apply(inputs) as Symbolic);
        const scaledV = tf.mul(link.adapter.v, link.adapter.alpha);
        const projected = dense(
          `${tag}_V`,
          scaledV,
          link.adapter.c,
          link.adapter.activation,
          joined,
        );
        scaledV.dispose();
        return [dense(`${tag}_U`, link.u[0] as Tf.Tensor, null, "linear", projected)];
      });
  const build = (model: ColumnModel): Symbolic => {
    for (const link of model.links) {
      for (const s of link.sources) {
        const source = models.get(s);
        if (source && !built.has(s)) build(source);
      }
    }
    let h: Symbolic = input;
    const hidden: Symbolic[] = [];
    model.layers.forEach((layer, i) => {
      const id = `${model.ir.id}_h${i + 1}`;
      const z = sum(`${id}_sum`, [
        dense(id, layer.kernel, layer.bias, "linear", h),
        ...lateralTerms(model, i + 1),
      ]);
      h = tf.layers
        .activation({
          name: `${id}_act`,
          activation: (model.activations[i] ?? "linear") as "linear",
        })
        .apply(z) as Symbolic;
      hidden.push(h);
    });
    built.set(model.ir.id, hidden);
    const headId = `${model.ir.id}_head`;
    const logits = sum(`${headId}_sum`, [
      dense(headId, model.head.kernel, model.head.bias, "linear", h),
      ...lateralTerms(model, "head"),
    ]);
    return tf.layers
      .activation({ name: `${headId}_softmax`, activation: "softmax" })
      .apply(logits) as Symbolic;
  };
  return tf.model({ inputs: input, outputs: build(column), name: column.ir.id });
}

/** Writes model.json and weights.bin into `dir` via a temporary directory and a rename. */
export async function saveCheckpoint(
  tf: typeof Tf,
  model: Tf.LayersModel,
  metadata: CheckpointMetadata,
  dir: string,
): Promise<void> {
  const artifacts = await new Promise<Tf.io.ModelArtifacts>((resolve) => {
    void model.save(
      tf.io.withSaveHandler(async (a) => {
        resolve(a);
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
  });
  const data = artifacts.weightData;
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(Buffer.concat((data ?? []).map((b) => Buffer.from(b))));
  const stored: StoredCheckpointMetadata = {
    ...metadata,
    checkpointFormat: CHECKPOINT_FORMAT,
    weights: { bytes: bytes.byteLength, sha256: sha256Of(bytes) },
  };
  const json = {
    format: "layers-model",
    generatedBy: `pnnc ${metadata.pnnc}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs ?? [] }],
    userDefinedMetadata: stored,
  };
  // Replaced as a whole: model.json and weights.bin of two different saves never mix.
  replaceDirectoryAtomic(
    dir,
    new Map<string, string | Uint8Array>([
      ["weights.bin", bytes],
      ["model.json", JSON.stringify(json)],
    ]),
  );
}

/** The lowercase hex SHA-256 of `bytes`, as recorded in and checked against the metadata. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** What the first run saved: checkpoints/index.json, so a later run can tell one was deleted. */
export interface CheckpointIndex {
  specHash: string;
  columns: string[];
}

const INDEX = "index.json";

export function writeCheckpointIndex(dir: string, index: CheckpointIndex): void {
  writeFileAtomic(join(dir, INDEX), JSON.stringify(index, null, 2) + "\n", { makeDirs: true });
}

/**
 * Whether the first run's checkpoints must be written again: the index is missing, was written for
 * another spec hash, or lists a column whose model.json or weights.bin is gone. Resuming reuses the
 * first run's record, and only training it again brings its checkpoints back.
 */
export function checkpointsMissing(dir: string, specHash: string): boolean {
  let index: Partial<CheckpointIndex>;
  try {
    index = JSON.parse(readFileSync(join(dir, INDEX), "utf8")) as Partial<CheckpointIndex>;
  } catch {
    return true;
  }
  if (index.specHash !== specHash || !Array.isArray(index.columns)) return true;
  return index.columns.some(
    (column) =>
      typeof column !== "string" ||
      !existsSync(join(dir, column, "model.json")) ||
      !existsSync(join(dir, column, "weights.bin")),
  );
}
