/**
 * A trained column's content key: a hash of exactly what determines its weights in a run, so two
 * specs (or two versions of one) that declare the same column get the same key and can share it.
 * Covered: the column (its id seeds its initial weights, dropout and shuffles), its task's labels
 * and class map, its dataset's selection and normalisation, the data (file bytes and the folds of
 * every repeat), the stage that trains it (optimizer, schedule, seed, frozen layers), the key
 * version, and the keys of the columns it reads or starts from. Not covered, on purpose: names of
 * tasks and datasets, file paths, comments, formatting and declaration order.
 * In: the IR and each dataset's identity (datasetIdentities). Out: column id → key (hex).
 */
import { createHash } from "node:crypto";
import type { SpecData } from "../data/load.js";
import type { ColumnIr, Ir } from "../ir/types.js";

/**
 * Bumped whenever what a key covers, or how training turns a key into weights, changes: store
 * entries of another key version are ignored (and reported), never reused silently. A pnnc release
 * that changes neither keeps every trained column valid.
 */
export const KEY_VERSION = 1;

/** Per dataset: sha256 of its file's bytes (taken at load) and its fold assignment in every repeat. */
export function datasetIdentities(data: SpecData): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, dataset] of data.datasets) {
    const hash = createHash("sha256").update(dataset.sha256);
    for (const assignment of data.splits.get(id)?.folds ?? []) {
      hash.update(new Uint8Array(assignment.fold.buffer));
    }
    out.set(id, hash.digest("hex"));
  }
  return out;
}

export function columnKeys(ir: Ir, identities: ReadonlyMap<string, string>): Map<string, string> {
  const keys = new Map<string, string>();
  const byId = new Map(ir.columns.map((c) => [c.id, c]));
  const keyOf = (column: ColumnIr): string => {
    const known = keys.get(column.id);
    if (known) return known;
    const task = ir.tasks.find((t) => t.id === column.task);
    const dataset = ir.datasets.find((d) => d.id === task?.dataset);
    const stage = ir.stages.find((s) => s.train.includes(column.id));
    const sources = [
      ...column.laterals.flatMap((l) => l.from),
      ...(column.init ? [column.init] : []),
    ];
    const content = {
      keyVersion: KEY_VERSION,
      // The task by content, not by name: renaming a task keeps the column's key.
      column: { ...column, task: undefined },
      task: task && {
        label: task.label,
        classes: task.classes,
        merge: task.merge,
        drop: task.drop,
      },
      dataset: dataset && {
        data: identities.get(dataset.id) ?? null,
        format: dataset.format,
        features: dataset.features,
        group: dataset.group,
        normalize: dataset.normalize,
        missing: dataset.missing,
        // Only `drop` changes the rows trained on; left out otherwise so existing keys stay valid.
        ...(dataset.duplicates === "drop" ? { duplicates: "drop" } : {}),
        exclude: dataset.exclude,
      },
      // The folds themselves are in the dataset's identity; this decides which fold validates.
      validationFolds: ir.evaluation.validationFolds,
      stage: stage && {
        optimizer: stage.optimizer,
        batchSize: stage.batchSize,
        epochs: stage.epochs,
        earlyStopping: stage.earlyStopping,
        seed: stage.seed,
        trainFolds: stage.trainFolds,
        frozen: stage.freeze.filter((f) => f.column === column.id && f.layer !== null),
      },
      sources: sources.map((id) => {
        const source = byId.get(id);
        return source ? keyOf(source) : id;
      }),
    };
    const key = createHash("sha256").update(JSON.stringify(content)).digest("hex");
    keys.set(column.id, key);
    return key;
  };
  for (const column of ir.columns) keyOf(column);
  return keys;
}
