/**
 * `pnnc predict`'s work: new rows prepared with the checkpoint's statistics through the runtime's
 * own normaliser (runtime/normalize.ts), exactly as in training, then classified by the checkpoint.
 * In: a checkpoint directory, a CSV or ARFF table and the ID columns to carry through. Out: the
 * predictions as CSV text, or why not.
 */
import type * as Tf from "@tensorflow/tfjs";
import { isProblem } from "../data/problem.js";
import type { DataProblem } from "../data/problem.js";
import { readTable, type RawTable } from "../data/read-table.js";
import { closestNames, didYouMean } from "../diagnostics/suggest.js";
import type { CheckpointMetadata } from "../engine/checkpoint.js";
import { selectBackend } from "../runtime/backends.js";
import { applyNormalizer, type Normalizer } from "../runtime/normalize.js";
import { coded, fail, plain, succeed, type Outcome, type Problem } from "./outcome.js";
import { checkWidths } from "./check-checkpoint.js";
import { readCheckpoint, type Checkpoint } from "./read-checkpoint.js";

export interface PredictOptions {
  /** Columns of the table whose values start each output row, in this order (`--id`). */
  ids?: readonly string[];
}

/**
 * 1. Read and check the checkpoint; 2. load its model and check its widths against the metadata;
 * 3. read the table's columns the checkpoint was trained on (and the ID columns); 4. normalise them
 * and predict; 5. one CSV line per row: its ID values, its line in the file, the predicted class,
 * one probability per class.
 */
export async function predict(
  dir: string,
  data: string,
  options: PredictOptions = {},
): Promise<Outcome<{ csv: string }>> {
  // A column named twice is carried once: two identical columns would say nothing more.
  const ids = [...new Set(options.ids ?? [])];
  // 1. The checkpoint, whose warnings (an unchecked older one) stay with the result.
  const checkpoint = readCheckpoint(dir);
  if (!checkpoint.ok) return checkpoint;
  const warnings: Problem[] = [...checkpoint.problems];
  const { meta, norm } = checkpoint.value;
  // 2. The model, before any data is read: a checkpoint at odds with itself goes no further.
  const loaded = await loadModel(dir, checkpoint.value);
  if ("problem" in loaded) return fail("failed", [...warnings, loaded.problem]);
  const { tf, model } = loaded;
  // 3. The table.
  const table = await readFeatureTable(data, meta, ids);
  if (isProblem(table)) {
    model.dispose();
    return fail("failed", [...warnings, coded(table.code, table.message, table.hint)]);
  }
  // 4. Features, normalised, and the model's probabilities.
  const groups = meta.normalization.group ? table.text.get(meta.normalization.group) : undefined;
  // A table without the group column falls back to the global statistics, as an unseen group does.
  if (norm.mode === "per_group" && !groups)
    warnings.push(
      plain(
        `\`${data}\` has no \`${meta.normalization.group}\` column; using global normalisation`,
      ),
    );
  const x = features(table, meta.featureNames, norm, groups ?? null);
  const dims = meta.featureNames.length;
  const probabilities = tf.tidy(
    () =>
      (model.predict(tf.tensor2d(x, [table.rows, dims])) as Tf.Tensor).arraySync() as number[][],
  );
  model.dispose();
  // 5. CSV. Every row of the table is predicted (a missing feature becomes the training mean), so
  // row r of the output is row r of the table and its ID values line up by index.
  const idValues = ids.map((id) => table.text.get(id) ?? []);
  const lines = [
    [...ids.map(csvField), "line", "predicted", ...meta.classes.map((c) => `p_${c}`)].join(","),
  ];
  probabilities.forEach((p, r) => {
    const best = p.indexOf(Math.max(...p));
    const idFields = idValues.map((values) => csvField(values[r] ?? ""));
    lines.push(
      [...idFields, table.lines[r], meta.classes[best], ...p.map((v) => v.toFixed(6))].join(","),
    );
  });
  return succeed({ csv: lines.join("\n") + "\n" }, { problems: warnings });
}

/**
 * An ID value as one CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break,
 * since ID columns are typically file paths and free text.
 */
function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The table with the checkpoint's feature columns (all of them, numeric), its group column and the
 * ID columns (as text, also when one is a feature).
 */
function readFeatureTable(data: string, meta: CheckpointMetadata, ids: readonly string[]) {
  const features = meta.featureNames;
  const group = meta.normalization.group ? [meta.normalization.group] : [];
  return readTable({
    path: data,
    shownPath: data,
    format: data.toLowerCase().endsWith(".arff") ? "arff" : "csv",
    keep: new Set([...group, ...ids]),
    plan: (header) => {
      const missing = features.filter((f) => !header.includes(f));
      if (missing.length > 0) {
        return {
          code: "PNN4017",
          message: `\`${data}\` lacks ${missing.length} of the checkpoint's ${features.length} feature columns, e.g. \`${missing[0]}\``,
          hint: "predict on a table with the same feature columns as the training data",
        };
      }
      const absent = ids.find((id) => !header.includes(id));
      if (absent !== undefined) return missingId(data, absent, header, features);
      return { candidates: features.map((f) => header.indexOf(f)), strict: true };
    },
  });
}

/** How many columns besides the features a missing `--id` message lists before a count. */
const LISTED_COLUMNS = 20;

/**
 * PNN4008 for an `--id` column the header lacks. The columns besides the checkpoint's features are
 * named (an ID is rarely a feature, and an eGeMAPS table has 88 of them), then the features' count.
 */
function missingId(
  data: string,
  id: string,
  header: readonly string[],
  features: readonly string[],
): DataProblem {
  const others = header.filter((h) => !features.includes(h));
  const shown = others.slice(0, LISTED_COLUMNS).map((h) => `\`${h}\``);
  if (others.length > LISTED_COLUMNS) shown.push(`${others.length - LISTED_COLUMNS} more`);
  const featureCount = header.length - others.length;
  const parts = [
    ...(shown.length > 0 ? [shown.join(", ")] : []),
    ...(featureCount > 0 ? [`the checkpoint's ${featureCount} feature columns`] : []),
  ];
  const suggestions = closestNames(id, header);
  return {
    code: "PNN4008",
    message: `the header of \`${data}\` has no column \`${id}\` (named by \`--id\`); its columns are ${parts.join(" and ")}`,
    hint: didYouMean(suggestions) ?? "name a column of the table's header line with `--id`",
    suggestions,
  };
}

/**
 * The rows' features in the checkpoint's order as a row-major float32 matrix (NaN for a missing
 * value), normalised by `norm`: missing values become the training mean, as in training.
 */
export function features(
  table: Pick<RawTable, "header" | "rows" | "numeric">,
  names: readonly string[],
  norm: Normalizer,
  groups: readonly string[] | null,
): Float32Array {
  const dims = names.length;
  const raw = new Float32Array(table.rows * dims);
  names.forEach((f, j) => {
    const column = table.numeric.get(table.header.indexOf(f));
    for (let r = 0; r < table.rows; r++) raw[r * dims + j] = column?.[r] ?? Number.NaN;
  });
  const rows = Int32Array.from({ length: table.rows }, (_, r) => r);
  return applyNormalizer(norm, raw, dims, rows, groups);
}

/** The checkpoint's model on the selected backend, its input and output widths checked. */
async function loadModel(
  dir: string,
  checkpoint: Checkpoint,
): Promise<{ tf: typeof Tf; model: Tf.LayersModel } | { problem: Problem }> {
  const backend = await selectBackend();
  if ("problem" in backend) return { problem: plain(backend.problem) };
  const { tf } = backend;
  let model: Tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: checkpoint.json.modelTopology,
        weightSpecs: checkpoint.json.weightsManifest[0].weights,
        weightData: checkpoint.weights,
      }),
    );
  } catch (e) {
    return {
      problem: coded(
        "PNN4018",
        `the checkpoint in \`${dir}\` is corrupt: ${(e as Error).message.split("\n")[0]}`,
        "run the spec again with `pnnc run` to write a fresh checkpoint",
      ),
    };
  }
  const problem = checkWidths(
    dir,
    checkpoint.meta,
    model.inputs.map((t) => t.shape),
    model.outputs.map((t) => t.shape),
  );
  if (problem) {
    model.dispose();
    return { problem };
  }
  return { tf, model };
}
