/**
 * `pnnc predict CHECKPOINT_DIR DATA.csv [--out FILE]`: class predictions for new data from a
 * checkpoint that `pnnc run` saved, using the checkpoint's stored feature names, normalisation and
 * class names. In: a checkpoint directory and a table. Out: CSV (line, predicted class, one
 * probability per class) on stdout or in FILE; exit 1 with a clear message for a missing or corrupt
 * checkpoint or data whose columns do not match it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readTable } from "../data/read-table.js";
import { isProblem } from "../data/problem.js";
import { selectBackend } from "../runtime/backends.js";
import type { CheckpointMetadata } from "../engine/checkpoint.js";
import { EXIT_FAILED } from "./exit-codes.js";
import { emit, printProblem } from "./output.js";

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: object[] }[];
  userDefinedMetadata?: CheckpointMetadata;
}

function readCheckpoint(dir: string): { json: ModelJson; weights: ArrayBuffer } | string {
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as ModelJson;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    return missing
      ? `no checkpoint in \`${dir}\` (model.json is missing)`
      : `\`${join(dir, "model.json")}\` is not valid JSON`;
  }
  const meta = json.userDefinedMetadata;
  if (!meta?.featureNames || !meta.classes || !meta.normalization)
    return `\`${dir}\` was not written by pnnc (no feature names, classes or normalisation in its metadata)`;
  try {
    const bytes = readFileSync(join(dir, json.weightsManifest[0]?.paths[0] ?? "weights.bin"));
    return {
      json,
      weights: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    };
  } catch {
    return `\`${dir}\` has no weights file`;
  }
}

export async function runPredict(
  dir: string,
  data: string,
  opts: { out?: string },
): Promise<number> {
  const checkpoint = readCheckpoint(dir);
  if (typeof checkpoint === "string") {
    printProblem(checkpoint);
    return EXIT_FAILED;
  }
  const meta = checkpoint.json.userDefinedMetadata as CheckpointMetadata;
  const features = meta.featureNames;
  const table = await readTable({
    path: data,
    shownPath: data,
    format: data.toLowerCase().endsWith(".arff") ? "arff" : "csv",
    keep: new Set(meta.normalization.group ? [meta.normalization.group] : []),
    plan: (header) => {
      const missing = features.filter((f) => !header.includes(f));
      if (missing.length > 0) {
        return {
          code: "PNN4017",
          message: `\`${data}\` lacks ${missing.length} of the checkpoint's ${features.length} feature columns, e.g. \`${missing[0]}\``,
          hint: "predict on a table with the same feature columns as the training data",
        };
      }
      return { candidates: features.map((f) => header.indexOf(f)), strict: true };
    },
  });
  if (isProblem(table)) {
    printProblem(`${table.code}: ${table.message}${table.hint ? `\n  hint: ${table.hint}` : ""}`);
    return EXIT_FAILED;
  }
  const backend = await selectBackend();
  if ("problem" in backend) {
    printProblem(backend.problem);
    return EXIT_FAILED;
  }
  const { tf } = backend;
  let model;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: checkpoint.json.modelTopology,
        weightSpecs: checkpoint.json.weightsManifest[0]?.weights as never,
        weightData: checkpoint.weights,
      }),
    );
  } catch (e) {
    printProblem(`the checkpoint in \`${dir}\` is corrupt: ${(e as Error).message.split("\n")[0]}`);
    return EXIT_FAILED;
  }
  const { mode, group } = meta.normalization;
  // Per-group checkpoints normalise each row with its group's training statistics; a group the
  // model never saw (or a table without the group column) falls back to the global statistics.
  const groups = group ? table.text.get(group) : undefined;
  if (mode === "per_group" && !groups) {
    process.stderr.write(
      `pnnc: \`${data}\` has no \`${group}\` column; using global normalisation\n`,
    );
  }
  const x = new Float32Array(table.rows * features.length);
  for (let r = 0; r < table.rows; r++) {
    const own = mode === "per_group" ? meta.normalization.groups[groups?.[r] ?? ""] : undefined;
    const { mean, std } = own ?? meta.normalization;
    features.forEach((f, j) => {
      const raw = table.numeric.get(table.header.indexOf(f))?.[r] ?? Number.NaN;
      const v = Number.isNaN(raw) ? (mean[j] ?? 0) : raw;
      x[r * features.length + j] = mode === "none" ? v : (v - (mean[j] ?? 0)) / (std[j] ?? 1);
    });
  }
  const probabilities = tf.tidy(
    () =>
      (
        model.predict(
          tf.tensor2d(x, [table.rows, features.length]),
        ) as import("@tensorflow/tfjs").Tensor
      ).arraySync() as number[][],
  );
  const lines = [["line", "predicted", ...meta.classes.map((c) => `p_${c}`)].join(",")];
  probabilities.forEach((p, r) => {
    const best = p.indexOf(Math.max(...p));
    lines.push([table.lines[r], meta.classes[best], ...p.map((v) => v.toFixed(6))].join(","));
  });
  return emit(lines.join("\n") + "\n", opts.out);
}
