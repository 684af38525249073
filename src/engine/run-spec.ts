/**
 * `pnnc run`'s engine: trains and evaluates everything a checked spec declares.
 *
 *   for each repeat r and run i (fold i tests, the next folds validate, the rest train):
 *     1 normalise every dataset on its training rows
 *     2 for each stage in order, for each `train_folds` variant: build and train the stage's columns
 *       (frozen sources from earlier stages, `init from` copies), evaluate them on the test fold
 *     3 after each stage, re-evaluate every earlier column on its test fold: forgetting
 *
 * In: the front end's IR, the loaded data, a selected backend. Out: per-run metrics, learning curves,
 * the forgetting table and a summary (mean ± std of test UAR per column and variant).
 */
import type * as Tf from "@tensorflow/tfjs";
import type { LoadedDataset } from "../data/load-dataset.js";
import { rowsIn, type Run } from "../data/folds.js";
import type { SpecData } from "../data/load.js";
import { applyNormalizer, fitNormalizer, type Normalizer } from "../data/normalize.js";
import type { ColumnIr, Ir, StageIr } from "../ir/types.js";
import { join } from "node:path";
import { ColumnModel } from "./column-model.js";
import { saveCheckpoint, toLayersModel } from "./checkpoint.js";
import { metrics, type Metrics } from "./metrics.js";
import {
  predict,
  sourceActivations,
  trainColumn,
  type CurvePoint,
  type Split,
} from "./train-column.js";

export interface ColumnRun {
  repeat: number;
  fold: number;
  stage: string;
  column: string;
  task: string;
  /** The `train_folds` variant (null: all training folds). */
  trainFolds: number | null;
  test: Metrics;
  epochsTrained: number;
  bestEpoch: number;
  curve: CurvePoint[];
}

export interface Forgetting {
  repeat: number;
  fold: number;
  column: string;
  /**
   * null: the column itself, re-evaluated (frozen, so the change must be exactly 0). Otherwise the
   * PT/FT column fine-tuned from it: its body with this column's saved head, on this column's task.
   */
  via: string | null;
  afterStage: string;
  uarBefore: number;
  uarAfter: number;
  change: number;
}

export interface SummaryRow {
  column: string;
  task: string;
  trainFolds: number | null;
  runs: number;
  uarMean: number;
  uarStd: number;
  accuracyMean: number;
}

export interface RunResults {
  runs: ColumnRun[];
  forgetting: Forgetting[];
  summary: SummaryRow[];
}

export type Progress = (message: string) => void;

/** The results of one (repeat, fold) run: what a resumed run can skip. */
export interface RunRecord {
  runs: ColumnRun[];
  forgetting: Forgetting[];
}

/** Where finished runs are kept, so an interrupted `pnnc run` resumes from completed work. */
export interface RunStore {
  load(repeat: number, fold: number): RunRecord | null;
  save(repeat: number, fold: number, record: RunRecord): void;
}

export interface RunSpecOptions {
  progress?: Progress;
  store?: RunStore;
  /** Run only these (repeat, fold) pairs, 1-based (worker threads split the runs this way). */
  only?: (repeat: number, fold: number) => boolean;
  /** Where to save the first run's (repeat 1, fold 1) trained columns as TF.js checkpoints. */
  checkpoints?: { dir: string; pnnc: string; specHash: string };
}

interface TaskSplits {
  train: Split;
  validation: Split | null;
  test: Split;
  /** The statistics the splits were normalised with; checkpoints store the same ones. */
  norm: Normalizer;
}

export async function runSpec(
  tf: typeof Tf,
  ir: Ir,
  data: SpecData,
  opts: RunSpecOptions = {},
): Promise<RunResults> {
  const progress = opts.progress ?? (() => {});
  const results: RunResults = { runs: [], forgetting: [], summary: [] };
  const repeats = ir.evaluation.repeats;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const runCount = Math.max(...[...data.splits.values()].map((s) => s.runs[repeat]?.length ?? 0));
    for (let i = 0; i < runCount; i++) {
      if (opts.only && !opts.only(repeat + 1, i + 1)) continue;
      const done = opts.store?.load(repeat + 1, i + 1);
      if (done) {
        results.runs.push(...done.runs);
        results.forgetting.push(...done.forgetting);
        progress(`repeat ${repeat + 1}, fold ${i + 1}: done in an earlier run, reused`);
        continue;
      }
      const checkpoints = repeat === 0 && i === 0 ? opts.checkpoints : undefined;
      const record: RunRecord = { runs: [], forgetting: [] };
      await runOnce(tf, ir, data, repeat, i, record, progress, checkpoints);
      // Saved only once the whole run (checkpoints included) is complete.
      opts.store?.save(repeat + 1, i + 1, record);
      results.runs.push(...record.runs);
      results.forgetting.push(...record.forgetting);
    }
  }
  results.summary = summarize(results.runs);
  return results;
}

/** The rows of one task in one run, normalised with the run's training statistics. */
function taskSplits(
  tf: typeof Tf,
  ir: Ir,
  data: SpecData,
  taskId: string,
  repeat: number,
  i: number,
  trainFolds: number | null,
): TaskSplits | null {
  const task = ir.tasks.find((t) => t.id === taskId);
  const dataset = task && data.datasets.get(task.dataset);
  const split = task && data.splits.get(task.dataset);
  const assignment = split?.folds[repeat];
  const run: Run | undefined = split?.runs[repeat]?.[i];
  const labels = dataset?.tasks.get(taskId);
  const declared = ir.datasets.find((d) => d.id === task?.dataset);
  if (!dataset || !assignment || !run || !labels || !declared) return null;
  const trainFolds2 = trainFolds === null ? run.train : run.train.slice(0, trainFolds);
  // Statistics come from the training folds actually used (`train_folds` may use fewer).
  const used = rowsIn(assignment, trainFolds2);
  const norm = fitNormalizer(declared.normalize, dataset.x, dataset.dims, used, dataset.groups);
  const make = (folds: number[]): Split | null => {
    const rows = Int32Array.from(
      [...rowsIn(assignment, folds)].filter((r) => (labels.y[r] ?? -1) >= 0),
    );
    if (rows.length === 0) return null;
    const x = applyNormalizer(norm, dataset.x, dataset.dims, rows, dataset.groups);
    return {
      x: tf.tensor2d(x, [rows.length, dataset.dims]),
      y: Int32Array.from(rows, (r) => labels.y[r] ?? 0),
    };
  };
  const train = make(trainFolds2);
  const test = make([run.test]);
  if (!train || !test) return null;
  return { train, validation: make(run.validation), test, norm };
}

function disposeSplits(s: TaskSplits): void {
  s.train.x.dispose();
  s.validation?.x.dispose();
  s.test.x.dispose();
}

function inputDim(ir: Ir, data: SpecData, column: ColumnIr): number {
  const task = ir.tasks.find((t) => t.id === column.task);
  const dataset: LoadedDataset | undefined = task ? data.datasets.get(task.dataset) : undefined;
  return dataset?.dims ?? 0;
}

function classCount(ir: Ir, data: SpecData, column: ColumnIr): number {
  const task = ir.tasks.find((t) => t.id === column.task);
  return (task && data.datasets.get(task.dataset)?.tasks.get(task.id)?.classes.length) ?? 0;
}

function evaluate(
  tf: typeof Tf,
  model: ColumnModel,
  models: ReadonlyMap<string, ColumnModel>,
  test: Split,
  classes: number,
): Metrics {
  const hidden = sourceActivations(tf, model, models, test.x);
  const m = metrics(test.y, predict(tf, model, test.x, hidden), classes);
  for (const hs of hidden.values()) hs.forEach((h) => h.dispose());
  return m;
}

async function runOnce(
  tf: typeof Tf,
  ir: Ir,
  data: SpecData,
  repeat: number,
  i: number,
  results: RunRecord,
  progress: Progress,
  checkpoints: RunSpecOptions["checkpoints"],
): Promise<void> {
  const saves: { column: ColumnIr; model: ColumnModel; norm: Normalizer }[] = [];
  const models = new Map<string, ColumnModel>();
  const ownScore = new Map<string, { uar: number; test: TaskSplits }>();
  for (const [s, stage] of ir.stages.entries()) {
    const variants: (number | null)[] = stage.trainFolds ?? [null];
    // Later stages, forgetting and checkpoints build on the variant with the most training folds.
    const folds = variants.map((n) => n ?? Infinity);
    const primary = folds.indexOf(Math.max(...folds));
    variants.forEach((variant, v) => {
      for (const id of stage.train) {
        const column = ir.columns.find((c) => c.id === id);
        if (!column) continue;
        const splits = taskSplits(tf, ir, data, column.task, repeat, i, variant);
        if (!splits) continue;
        const classes = classCount(ir, data, column);
        const seed = stage.seed + repeat * 1000 + i;
        const model = new ColumnModel(
          tf,
          column,
          inputDim(ir, data, column),
          classes,
          models,
          seed,
        );
        const frozen = new Set(
          stage.freeze.filter((f) => f.column === id && f.layer !== null).map((f) => f.layer ?? 0),
        );
        const stageForRun: StageIr = { ...stage, seed };
        const trained = trainColumn(
          tf,
          model,
          models,
          { train: splits.train, validation: splits.validation },
          stageForRun,
          { frozenLayers: frozen },
        );
        const test = evaluate(tf, model, models, splits.test, classes);
        results.runs.push({
          repeat: repeat + 1,
          fold: i + 1,
          stage: stage.id,
          column: id,
          task: column.task,
          trainFolds: variant,
          test,
          epochsTrained: trained.epochsTrained,
          bestEpoch: trained.bestEpoch,
          curve: trained.curve,
        });
        progress(
          `repeat ${repeat + 1}, fold ${i + 1}, stage ${stage.id}: ${id} UAR ${test.uar.toFixed(3)} (${trained.epochsTrained} epochs${variant === null ? "" : `, ${variant} training folds`})`,
        );
        if (v === primary) {
          models.get(id)?.dispose();
          models.set(id, model);
          saves.push({ column, model, norm: splits.norm });
          const previous = ownScore.get(id);
          if (previous) disposeSplits(previous.test);
          ownScore.set(id, { uar: test.uar, test: splits });
        } else {
          model.dispose();
          disposeSplits(splits);
        }
      }
    });
    // Forgetting: every column trained before this stage, re-evaluated now.
    for (const [id, own] of ownScore) {
      if (ir.stages.slice(0, s).every((earlier) => !earlier.train.includes(id))) continue;
      const model = models.get(id);
      const column = ir.columns.find((c) => c.id === id);
      if (!model || !column) continue;
      const now = evaluate(tf, model, models, own.test.test, classCount(ir, data, column));
      results.forgetting.push({
        repeat: repeat + 1,
        fold: i + 1,
        column: id,
        via: null,
        afterStage: stage.id,
        uarBefore: own.uar,
        uarAfter: now.uar,
        change: now.uar - own.uar,
      });
    }
    // PT/FT forgets: the fine-tuned body, given the source's saved head back, on the source's task.
    for (const id of stage.train) {
      const tuned = models.get(id);
      const sourceId = tuned?.ir.init;
      const source = sourceId ? models.get(sourceId) : undefined;
      const own = sourceId ? ownScore.get(sourceId) : undefined;
      if (!tuned || !source || !own || !sourceId || source.links.length > 0) continue;
      const body = new ColumnModel(
        tf,
        { ...source.ir, init: id },
        own.test.test.x.shape[1],
        source.head.bias.shape[0] ?? 0,
        models,
        0,
      );
      body.head.kernel.assign(source.head.kernel);
      body.head.bias.assign(source.head.bias);
      const now = evaluate(tf, body, models, own.test.test, source.head.bias.shape[0] ?? 0);
      body.dispose();
      results.forgetting.push({
        repeat: repeat + 1,
        fold: i + 1,
        column: sourceId,
        via: id,
        afterStage: stage.id,
        uarBefore: own.uar,
        uarAfter: now.uar,
        change: now.uar - own.uar,
      });
    }
  }
  if (checkpoints) {
    for (const { column, model, norm } of saves)
      await saveColumn(tf, ir, data, column, model, norm, models, checkpoints);
  }
  for (const model of models.values()) model.dispose();
  for (const own of ownScore.values()) disposeSplits(own.test);
}

async function saveColumn(
  tf: typeof Tf,
  ir: Ir,
  data: SpecData,
  column: ColumnIr,
  model: ColumnModel,
  norm: Normalizer,
  models: ReadonlyMap<string, ColumnModel>,
  target: NonNullable<RunSpecOptions["checkpoints"]>,
): Promise<void> {
  const task = ir.tasks.find((t) => t.id === column.task);
  const dataset = task ? data.datasets.get(task.dataset) : undefined;
  const declared = ir.datasets.find((d) => d.id === task?.dataset);
  if (!task || !dataset || !declared) return;
  const layers = toLayersModel(tf, model, models, dataset.dims);
  await saveCheckpoint(
    tf,
    layers,
    {
      pnnc: target.pnnc,
      specHash: target.specHash,
      taskColumns: taskColumnsOf(column, models),
      column: column.id,
      classes: dataset.tasks.get(task.id)?.classes ?? [],
      featureNames: dataset.featureNames,
      normalization: {
        mode: declared.normalize,
        mean: Array.from(norm.global.mean),
        std: Array.from(norm.global.std),
        group: declared.group,
        groups: Object.fromEntries(
          [...norm.byGroup].map(([g, st]) => [
            g,
            { mean: Array.from(st.mean), std: Array.from(st.std) },
          ]),
        ),
      },
    },
    join(target.dir, column.id),
  );
  layers.dispose();
}

function summarize(runs: ColumnRun[]): SummaryRow[] {
  const groups = new Map<string, ColumnRun[]>();
  for (const r of runs) {
    const key = `${r.column}\u0000${r.trainFolds ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const uars = rs.map((r) => r.test.uar);
    const mean = uars.reduce((a, b) => a + b, 0) / uars.length;
    const variance =
      uars.length > 1 ? uars.reduce((a, b) => a + (b - mean) ** 2, 0) / (uars.length - 1) : 0;
    const first = rs[0];
    return {
      column: first?.column ?? "",
      task: first?.task ?? "",
      trainFolds: first?.trainFolds ?? null,
      runs: rs.length,
      uarMean: mean,
      uarStd: Math.sqrt(variance),
      accuracyMean: rs.reduce((a, r) => a + r.test.accuracy, 0) / rs.length,
    };
  });
}

/** Task → column for the saved column and every column it reads (the checkpoint's contents). */
function taskColumnsOf(
  column: ColumnIr,
  models: ReadonlyMap<string, ColumnModel>,
): Record<string, string> {
  const out: Record<string, string> = { [column.task]: column.id };
  const visit = (ir: ColumnIr) => {
    for (const lateral of ir.laterals) {
      for (const source of lateral.from) {
        const model = models.get(source);
        if (!model || out[model.ir.task] === model.ir.id) continue;
        out[model.ir.task] = model.ir.id;
        visit(model.ir);
      }
    }
  };
  visit(column);
  return out;
}
