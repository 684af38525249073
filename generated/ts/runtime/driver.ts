/**
 * The experiment driver shared by `pnnc run` and every generated program:
 *
 *   for each repeat r and run i (fold i tests, the next folds validate, the rest train):
 *     1 normalise each task's rows on the run's training folds
 *     2 for each stage in order, for each `train_folds` variant: build and train the stage's columns
 *       (frozen sources from earlier stages, `init from` copies), evaluate them on the test fold
 *     3 after each stage, re-evaluate every earlier column on its test fold: forgetting
 *
 * In: a Plan (stages whose columns know how to build themselves), loaded rows and folds, a backend.
 * Out: per-run metrics, learning curves, the forgetting table and the summary.
 */
import type * as Tf from "@tensorflow/tfjs";
import type { Column, LayerRef } from "./column.js";
import { rowsIn, type DatasetSplits, type Run } from "./folds.js";
import { metrics, type Metrics } from "./metrics.js";
import {
  applyNormalizer,
  fitNormalizer,
  type NormalizeMode,
  type Normalizer,
} from "./normalize.js";
import { summarize, type ColumnRun, type RunRecord, type RunResults } from "./results.js";
import {
  predict,
  sourceActivations,
  trainColumn,
  type Split,
  type TrainingStage,
} from "./train.js";

/** Builds a column; `initFrom` overrides the column's own `init from` source (PT/FT forgetting). */
export type ColumnBuilder<C extends Column> = (
  tf: typeof Tf,
  inputDim: number,
  classes: number,
  built: ReadonlyMap<string, C>,
  seed: number,
  initFrom?: string | null,
) => C;

export interface PlannedColumn<C extends Column> {
  task: string;
  /** PT/FT: the column whose hidden layers this one starts from. */
  init: string | null;
  build: ColumnBuilder<C>;
}

export interface PlannedStage {
  id: string;
  train: string[];
  /** Layers of a trained column that this stage keeps fixed (`freeze [emotion.h1]`). */
  frozenLayers: ReadonlyMap<string, readonly LayerRef[]>;
  settings: TrainingStage;
  /** How many training folds to use (a sweep when several); null means all. */
  trainFolds: number[] | null;
}

export interface Plan<C extends Column> {
  repeats: number;
  /**
   * Content keys of the columns (what determines their weights, see pnnc's column-key.ts). When
   * several methods run together, columns with equal keys are trained once per run and shared.
   */
  keys?: ReadonlyMap<string, string>;
  tasks: ReadonlyMap<string, { dataset: string; normalize: NormalizeMode }>;
  columns: ReadonlyMap<string, PlannedColumn<C>>;
  stages: PlannedStage[];
}

export interface DatasetRows {
  dims: number;
  /** rows × dims, raw features, row-major; NaN marks a value `missing mean` imputes. */
  x: Float32Array;
  groups: readonly string[] | null;
  tasks: ReadonlyMap<string, { classes: string[]; y: Int32Array }>;
}

export interface ExperimentData {
  datasets: ReadonlyMap<string, DatasetRows>;
  splits: ReadonlyMap<string, DatasetSplits>;
}

/** Where finished runs are kept, so an interrupted run resumes from completed work. */
export interface RunStore {
  load(repeat: number, fold: number): RunRecord | null;
  save(repeat: number, fold: number, record: RunRecord): void;
}

/** A column trained in a run, with the normaliser its inputs went through. */
export interface TrainedColumn<C extends Column> {
  id: string;
  model: C;
  norm: Normalizer;
}

export interface DriverOptions<C extends Column> {
  progress?: (message: string) => void;
  store?: RunStore;
  /** Run only these (repeat, fold) pairs, 1-based (worker threads split the runs this way). */
  only?: (repeat: number, fold: number) => boolean;
  /** Off recomputes frozen sources for every batch: the same results, slower (for the bench). */
  cacheFrozen?: boolean;
  /** Trained columns kept across runs and spec versions by content key (pnnc's column store). */
  columns?: ColumnCache;
  /** Called after each run, before its columns are freed (checkpoints, weight dumps). */
  onRunEnd?: (
    repeat: number,
    fold: number,
    trained: TrainedColumn<C>[],
    models: ReadonlyMap<string, C>,
  ) => Promise<void> | void;
}

interface TaskSplits {
  train: Split;
  validation: Split | null;
  test: Split;
  /** The statistics the splits were normalised with; checkpoints store the same ones. */
  norm: Normalizer;
}

/** One method of a comparison: a plan over its own loaded data (the folds must agree). */
export interface Method<C extends Column> {
  name: string;
  plan: Plan<C>;
  data: ExperimentData;
}

/** Where finished runs of several methods are kept: one record per method, in method order. */
export interface MethodsStore {
  load(repeat: number, fold: number): RunRecord[] | null;
  save(repeat: number, fold: number, records: RunRecord[]): void;
}

export interface MethodsOptions<C extends Column> extends Omit<DriverOptions<C>, "store"> {
  store?: MethodsStore;
  /** Told each time a trained column is reused instead of trained again. */
  onShared?: (method: string, column: string, from: string) => void;
}

export async function runExperiment<C extends Column>(
  tf: typeof Tf,
  plan: Plan<C>,
  data: ExperimentData,
  opts: DriverOptions<C> = {},
): Promise<RunResults> {
  const { store, ...rest } = opts;
  const [results] = await runMethods(tf, [{ name: "", plan, data }], {
    ...rest,
    store: store && {
      load: (repeat, fold) => {
        const record = store.load(repeat, fold);
        return record ? [record] : null;
      },
      save: (repeat, fold, records) => {
        if (records[0]) store.save(repeat, fold, records[0]);
      },
    },
  });
  return results ?? { runs: [], forgetting: [], summary: [] };
}

/**
 * Runs several methods on the same (repeat, fold) runs, one run at a time for all of them, so a
 * column two methods declare identically (same content key) is trained once and read by both.
 */
export async function runMethods<C extends Column>(
  tf: typeof Tf,
  methods: readonly Method<C>[],
  opts: MethodsOptions<C> = {},
): Promise<RunResults[]> {
  const progress = opts.progress ?? (() => {});
  const results: RunResults[] = methods.map(() => ({ runs: [], forgetting: [], summary: [] }));
  const repeats = Math.max(...methods.map((m) => m.plan.repeats));
  for (let repeat = 0; repeat < repeats; repeat++) {
    const runCount = Math.max(
      ...methods.flatMap((m) =>
        [...m.data.splits.values()].map((s) => s.runs[repeat]?.length ?? 0),
      ),
    );
    for (let i = 0; i < runCount; i++) {
      if (opts.only && !opts.only(repeat + 1, i + 1)) continue;
      const done = opts.store?.load(repeat + 1, i + 1);
      if (done && done.length === methods.length) {
        done.forEach((record, m) => {
          results[m]?.runs.push(...record.runs);
          results[m]?.forgetting.push(...record.forgetting);
        });
        progress(`repeat ${repeat + 1}, fold ${i + 1}: done in an earlier run, reused`);
        continue;
      }
      const shared = new Map<string, Shared<C>>();
      const records: RunRecord[] = [];
      for (const method of methods) {
        const record: RunRecord = { runs: [], forgetting: [] };
        const context = {
          tf,
          shared,
          method: method.name,
          onShared: opts.onShared,
          progress,
          cacheFrozen: opts.cacheFrozen ?? true,
          columns: opts.columns,
        };
        await runOnce(context, method.plan, method.data, repeat, i, record, opts.onRunEnd);
        records.push(record);
      }
      for (const entry of shared.values()) entry.model.dispose();
      // Saved only once the whole run (checkpoints included) is complete.
      opts.store?.save(repeat + 1, i + 1, records);
      records.forEach((record, m) => {
        results[m]?.runs.push(...record.runs);
        results[m]?.forgetting.push(...record.forgetting);
      });
    }
  }
  methods.forEach((method, m) => {
    const r = results[m];
    if (!r) return;
    r.summary = summarize(r.runs);
    r.classes = Object.fromEntries(
      [...method.plan.tasks].map(([task, { dataset }]) => [
        task,
        method.data.datasets.get(dataset)?.tasks.get(task)?.classes ?? [],
      ]),
    );
  });
  return results;
}

/** Trained columns by content key and run: `load` gives what `save` kept, or null. */
export interface ColumnCache {
  load(
    key: string,
    repeat: number,
    fold: number,
  ): { run: ColumnRun; weights: ReadonlyMap<string, Float32Array> } | null;
  save(
    key: string,
    repeat: number,
    fold: number,
    run: ColumnRun,
    variables: ReadonlyMap<string, Tf.Variable>,
  ): void;
}

/** A column trained in this run by an earlier method, reused by later ones. */
interface Shared<C extends Column> {
  model: C;
  run: ColumnRun;
  method: string;
}

interface RunContext<C extends Column> {
  tf: typeof Tf;
  shared: Map<string, Shared<C>>;
  method: string;
  onShared: MethodsOptions<C>["onShared"];
  progress: (message: string) => void;
  cacheFrozen: boolean;
  columns: ColumnCache | undefined;
}

/** The rows of one task in one run, normalised with the run's training statistics. */
function taskSplits<C extends Column>(
  tf: typeof Tf,
  plan: Plan<C>,
  data: ExperimentData,
  taskId: string,
  repeat: number,
  i: number,
  trainFolds: number | null,
): TaskSplits | null {
  const task = plan.tasks.get(taskId);
  const dataset = task && data.datasets.get(task.dataset);
  const split = task && data.splits.get(task.dataset);
  const assignment = split?.folds[repeat];
  const run: Run | undefined = split?.runs[repeat]?.[i];
  const labels = dataset?.tasks.get(taskId);
  if (!task || !dataset || !assignment || !run || !labels) return null;
  const used = trainFolds === null ? run.train : run.train.slice(0, trainFolds);
  // Statistics come from the training folds actually used (`train_folds` may use fewer).
  const norm = fitNormalizer(
    task.normalize,
    dataset.x,
    dataset.dims,
    rowsIn(assignment, used),
    dataset.groups,
  );
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
  const train = make(used);
  const test = make([run.test]);
  if (!train || !test) return null;
  return { train, validation: make(run.validation), test, norm };
}

function disposeSplits(s: TaskSplits): void {
  s.train.x.dispose();
  s.validation?.x.dispose();
  s.test.x.dispose();
}

function evaluate<C extends Column>(
  tf: typeof Tf,
  model: C,
  models: ReadonlyMap<string, C>,
  test: Split,
): Metrics {
  const classes = model.head.bias.shape[0] ?? 0;
  const hidden = sourceActivations(tf, model, models, test.x);
  const m = metrics(test.y, predict(tf, model, test.x, hidden), classes);
  for (const hs of hidden.values()) hs.forEach((h) => h.dispose());
  return m;
}

async function runOnce<C extends Column>(
  context: RunContext<C>,
  plan: Plan<C>,
  data: ExperimentData,
  repeat: number,
  i: number,
  results: RunRecord,
  onRunEnd: DriverOptions<C>["onRunEnd"],
): Promise<void> {
  const { tf, shared, progress } = context;
  const trainedColumns: TrainedColumn<C>[] = [];
  const models = new Map<string, C>();
  const ownScore = new Map<string, { uar: number; test: TaskSplits }>();
  const isShared = (model: C) => [...shared.values()].some((entry) => entry.model === model);
  for (const [s, stage] of plan.stages.entries()) {
    const variants: (number | null)[] = stage.trainFolds ?? [null];
    // Later stages, forgetting and checkpoints build on the variant with the most training folds.
    const folds = variants.map((n) => n ?? Infinity);
    const primary = folds.indexOf(Math.max(...folds));
    variants.forEach((variant, v) => {
      for (const id of stage.train) {
        const column = plan.columns.get(id);
        if (!column) continue;
        const splits = taskSplits(tf, plan, data, column.task, repeat, i, variant);
        if (!splits) continue;
        // Only the variant later stages build on is kept, so only it can be shared.
        const key = v === primary ? plan.keys?.get(id) : undefined;
        const reused = key === undefined ? undefined : shared.get(key);
        let model: C;
        let run: ColumnRun;
        let how: string;
        const classes =
          data.datasets.get(plan.tasks.get(column.task)?.dataset ?? "")?.tasks.get(column.task)
            ?.classes.length ?? 0;
        const seed = stage.settings.seed + repeat * 1000 + i;
        const stored =
          reused || key === undefined
            ? null
            : (context.columns?.load(key, repeat + 1, i + 1) ?? null);
        if (reused) {
          model = reused.model;
          run = { ...reused.run, stage: stage.id };
          how = `shared with ${reused.method}`;
          context.onShared?.(context.method, id, reused.method);
        } else if (stored && key !== undefined) {
          // A column trained before, by this spec or another version of it: same key, same weights.
          model = column.build(tf, splits.train.x.shape[1], classes, models, seed);
          for (const [name, variable] of model.variables()) {
            const values = stored.weights.get(name);
            if (!values) throw new Error(`internal: stored column \`${id}\` lacks \`${name}\``);
            tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
          }
          run = {
            ...stored.run,
            stage: stage.id,
            repeat: repeat + 1,
            fold: i + 1,
            trainFolds: variant,
          };
          how = "reused from the column store";
          shared.set(key, { model, run, method: context.method });
        } else {
          model = column.build(tf, splits.train.x.shape[1], classes, models, seed);
          const trained = trainColumn(
            tf,
            model,
            models,
            { train: splits.train, validation: splits.validation },
            { ...stage.settings, seed },
            {
              frozenLayers: new Set(stage.frozenLayers.get(id) ?? []),
              cacheFrozen: context.cacheFrozen,
            },
          );
          run = {
            repeat: repeat + 1,
            fold: i + 1,
            stage: stage.id,
            column: id,
            task: column.task,
            trainFolds: variant,
            test: evaluate(tf, model, models, splits.test),
            epochsTrained: trained.epochsTrained,
            bestEpoch: trained.bestEpoch,
            curve: trained.curve,
          };
          how = `${run.epochsTrained} epochs`;
          if (key !== undefined) {
            shared.set(key, { model, run, method: context.method });
            context.columns?.save(key, repeat + 1, i + 1, run, model.variables());
          }
        }
        results.runs.push(run);
        progress(
          `repeat ${repeat + 1}, fold ${i + 1}, ${context.method ? `${context.method}, ` : ""}stage ${stage.id}: ${id} UAR ${run.test.uar.toFixed(3)} (${how}${variant === null ? "" : `, ${variant} training folds`})`,
        );
        if (v === primary) {
          const previous = models.get(id);
          if (previous && !isShared(previous)) previous.dispose();
          models.set(id, model);
          trainedColumns.push({ id, model, norm: splits.norm });
          const before = ownScore.get(id);
          if (before) disposeSplits(before.test);
          ownScore.set(id, { uar: run.test.uar, test: splits });
        } else {
          model.dispose();
          disposeSplits(splits);
        }
      }
    });
    // Forgetting: every column trained before this stage, re-evaluated now.
    for (const [id, own] of ownScore) {
      if (plan.stages.slice(0, s).every((earlier) => !earlier.train.includes(id))) continue;
      const model = models.get(id);
      if (!model) continue;
      const now = evaluate(tf, model, models, own.test.test);
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
      const sourceId = plan.columns.get(id)?.init;
      const tuned = models.get(id);
      const source = sourceId ? models.get(sourceId) : undefined;
      const own = sourceId ? ownScore.get(sourceId) : undefined;
      const build = sourceId ? plan.columns.get(sourceId)?.build : undefined;
      if (!tuned || !source || !own || !sourceId || !build || source.sources.length > 0) continue;
      const classes = source.head.bias.shape[0] ?? 0;
      const body = build(tf, own.test.test.x.shape[1], classes, models, 0, id);
      body.head.kernel.assign(source.head.kernel);
      body.head.bias.assign(source.head.bias);
      const now = evaluate(tf, body, models, own.test.test);
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
  await onRunEnd?.(repeat + 1, i + 1, trainedColumns, models);
  // Shared columns live until every method has finished this run (runMethods frees them).
  for (const model of models.values()) if (!isShared(model)) model.dispose();
  for (const own of ownScore.values()) disposeSplits(own.test);
}
