/**
 * The experiment driver shared by `pnnc run` and every generated program:
 *
 *   for each repeat r and run i (fold i tests, the next folds validate, the rest train):
 *     0 skip the run if the store kept it from an earlier, interrupted invocation; leave it
 *       for last while another process has claimed it (a lease: concurrent runs train it once)
 *     for each method (one for `pnnc run`), in run-once.ts:
 *       1 normalise each task's rows on the run's training folds (task-splits.ts)
 *       2 for each stage in order, for each `train_folds` variant: obtain the stage's columns
 *         (shared, restored or trained: column-reuse.ts), evaluate them on the test fold
 *       3 after each stage, re-evaluate earlier columns on their test folds (forgetting.ts)
 *
 * In: a Plan (stages whose columns know how to build themselves: plan.ts), loaded rows and folds,
 * a backend. Out: per-run metrics, learning curves, the forgetting table and the summary.
 */
import type * as Tf from "@tensorflow/tfjs";
import type { Column } from "./column.js";
import type { ColumnCache, SharedColumn } from "./column-reuse.js";
import type { ExperimentData, Plan, RunIndex } from "./plan.js";
import { summarize, type DatasetFacts, type RunRecord, type RunResults } from "./results.js";
import { runOnce, type OnRunEnd, type RunContext } from "./run-once.js";
import { runWarnings } from "./run-warnings.js";
import { TrainingDiverged } from "./train.js";

export type { ColumnCache } from "./column-reuse.js";
export type { TrainedColumn } from "./run-once.js";
export type {
  ColumnBuilder,
  DatasetRows,
  ExperimentData,
  Plan,
  PlannedColumn,
  PlannedStage,
} from "./plan.js";

/**
 * Claiming a run before training it, so concurrent commands sharing a store train it once: `true`
 * when this process may train it (then `release` after saving), else who is training it.
 */
export interface RunClaims {
  claim?(repeat: number, fold: number): true | { busy: string };
  release?(repeat: number, fold: number): void;
  /** How long to wait before looking again at runs another process is training. */
  pollMs?: number;
}

/** Where finished runs are kept, so an interrupted run resumes from completed work. */
export interface RunStore extends RunClaims {
  load(repeat: number, fold: number): RunRecord | null;
  save(repeat: number, fold: number, record: RunRecord): void;
}

export interface DriverOptions<C extends Column> {
  progress?: (message: string) => void;
  store?: RunStore;
  /**
   * Run only the (repeat, fold) pairs, 1-based, this says yes to; asked once per run, just before
   * it (worker threads take their next run from a shared queue this way).
   */
  only?: (repeat: number, fold: number) => boolean;
  /** Off recomputes frozen sources for every batch: the same results, slower (for the bench). */
  cacheFrozen?: boolean;
  /** Trained columns kept across runs and spec versions by content key (pnnc's column store). */
  columns?: ColumnCache;
  /** Called after each run, before its columns are freed (checkpoints, weight dumps). */
  onRunEnd?: OnRunEnd<C>;
  /**
   * Given (`--keep-going`), a run whose training diverged is told here and left out, unsaved, and
   * the other runs go on; without it the divergence propagates and stops the experiment.
   */
  onDiverged?: (run: DivergedRun) => void;
}

/** A (repeat, fold) run, 1-based, left out because `method`'s training diverged in it. */
export interface DivergedRun {
  repeat: number;
  fold: number;
  method: string;
  error: TrainingDiverged;
}

/** One method of a comparison: a plan over its own loaded data (the folds must agree). */
export interface Method<C extends Column> {
  name: string;
  plan: Plan<C>;
  data: ExperimentData;
}

/** Where finished runs of several methods are kept: one record per method, in method order. */
export interface MethodsStore extends RunClaims {
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
      claim: store.claim && ((repeat, fold) => store.claim?.(repeat, fold) ?? true),
      release: store.release && ((repeat, fold) => store.release?.(repeat, fold)),
      pollMs: store.pollMs,
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
  const results: RunResults[] = methods.map(() => ({ runs: [], forgetting: [], summary: [] }));
  const runs: RunIndex[] = [];
  const records = new Map<RunIndex, RunRecord[]>();
  // Runs another process is training are left for last, then waited for (or taken over, when
  // that process dies); the results are assembled in run order all the same.
  let waiting: RunIndex[] = [];
  for (const at of runsOf(methods)) {
    // Asked just before the run, once: worker threads take runs from a shared queue this way.
    if (opts.only && !opts.only(at.repeat + 1, at.fold + 1)) continue;
    runs.push(at);
    const obtained = await obtainRun(tf, methods, at, opts, true);
    if (obtained === "busy") waiting.push(at);
    else if (obtained !== "diverged") records.set(at, obtained);
  }
  while (waiting.length > 0) {
    await new Promise((wake) => setTimeout(wake, opts.store?.pollMs ?? 1000));
    const still: RunIndex[] = [];
    for (const at of waiting) {
      const obtained = await obtainRun(tf, methods, at, opts, false);
      if (obtained === "busy") still.push(at);
      else if (obtained !== "diverged") records.set(at, obtained);
    }
    waiting = still;
  }
  for (const at of runs) addRecords(results, records.get(at) ?? []);
  methods.forEach((method, m) => {
    const r = results[m];
    if (r) finishResults(r, method);
  });
  return results;
}

/** Every (repeat, fold) run, in order; methods with fewer folds or repeats skip the extra ones. */
function* runsOf<C extends Column>(methods: readonly Method<C>[]): Generator<RunIndex> {
  const repeats = Math.max(...methods.map((m) => m.plan.repeats));
  for (let repeat = 0; repeat < repeats; repeat++) {
    const folds = Math.max(
      ...methods.flatMap((m) =>
        [...m.data.splits.values()].map((s) => s.runs[repeat]?.length ?? 0),
      ),
    );
    for (let fold = 0; fold < folds; fold++) yield { repeat, fold };
  }
}

/**
 * One run's records: from the store, or trained here once claimed; "busy" while another process
 * holds the run's claim (said at the first look only); "diverged" when left out (onDiverged).
 */
async function obtainRun<C extends Column>(
  tf: typeof Tf,
  methods: readonly Method<C>[],
  at: RunIndex,
  opts: MethodsOptions<C>,
  firstLook: boolean,
): Promise<RunRecord[] | "busy" | "diverged"> {
  const [repeat, fold] = [at.repeat + 1, at.fold + 1];
  const { store } = opts;
  const progress = opts.progress ?? (() => {});
  const stored = () => {
    const done = store?.load(repeat, fold);
    return done && done.length === methods.length ? done : null;
  };
  const reused = (done: RunRecord[], earlier: boolean) => {
    const by = earlier ? "done in an earlier run" : "done meanwhile by another pnnc";
    progress(`repeat ${repeat}, fold ${fold}: ${by}, reused`);
    return done;
  };
  const done = stored();
  if (done) return reused(done, firstLook);
  const claim = store?.claim?.(repeat, fold) ?? true;
  if (claim !== true) {
    if (firstLook)
      progress(`repeat ${repeat}, fold ${fold}: another pnnc is training it (${claim.busy})`);
    return "busy";
  }
  try {
    // Saved by another process just before our claim: nothing left to train.
    const late = store?.claim ? stored() : null;
    if (late) return reused(late, false);
    return (await runAllMethods(tf, methods, at, opts, progress)) ?? "diverged";
  } finally {
    store?.release?.(repeat, fold);
  }
}

/**
 * One run of every method, sharing the columns they declare alike; stored when all are done. With
 * `onDiverged`, a divergence leaves the whole run out (null) for every method, so a comparison stays
 * paired, and nothing is stored: a later invocation tries it again.
 */
async function runAllMethods<C extends Column>(
  tf: typeof Tf,
  methods: readonly Method<C>[],
  at: RunIndex,
  opts: MethodsOptions<C>,
  progress: (message: string) => void,
): Promise<RunRecord[] | null> {
  const shared = new Map<string, SharedColumn<C>>();
  const records: RunRecord[] = [];
  for (const method of methods) {
    const context: RunContext<C> = {
      tf,
      shared,
      method: method.name,
      onShared: opts.onShared,
      progress,
      cacheFrozen: opts.cacheFrozen ?? true,
      columns: opts.columns,
    };
    try {
      records.push(await runOnce(context, method.plan, method.data, at, opts.onRunEnd));
    } catch (e) {
      if (!(opts.onDiverged && e instanceof TrainingDiverged)) throw e;
      for (const entry of shared.values()) entry.model.dispose();
      opts.onDiverged({ repeat: at.repeat + 1, fold: at.fold + 1, method: method.name, error: e });
      return null;
    }
  }
  for (const entry of shared.values()) entry.model.dispose();
  // Saved only once the whole run (checkpoints included) is complete.
  opts.store?.save(at.repeat + 1, at.fold + 1, records);
  return records;
}

function addRecords(results: RunResults[], records: readonly RunRecord[]): void {
  records.forEach((record, m) => {
    results[m]?.runs.push(...record.runs);
    results[m]?.forgetting.push(...record.forgetting);
  });
}

/** The summary over all runs, and each task's class names (for reports). */
function finishResults<C extends Column>(results: RunResults, method: Method<C>): void {
  results.summary = summarize(results.runs);
  const classes = Object.fromEntries(
    [...method.plan.tasks].map(([task, { dataset }]) => [
      task,
      method.data.datasets.get(dataset)?.tasks.get(task)?.classes ?? [],
    ]),
  );
  results.classes = classes;
  results.data = datasetFacts(method);
  const stages = new Map(method.plan.stages.map((s) => [s.id, s.settings]));
  results.warnings = runWarnings(results.runs, stages, classes);
}

/** Each dataset the method's tasks read, counted as loaded (rows per class, groups, policies). */
function datasetFacts<C extends Column>(method: Method<C>): DatasetFacts[] {
  const ids = new Set([...method.plan.tasks.values()].map((t) => t.dataset));
  return [...ids].flatMap((id) => {
    const rows = method.data.datasets.get(id);
    if (!rows) return [];
    const count = rows.x.length / Math.max(rows.dims, 1);
    const classes = Object.fromEntries(
      [...rows.tasks].map(([task, { classes, y }]) => {
        const n = new Array<number>(classes.length).fill(0);
        for (const c of y) if (c >= 0) n[c] = (n[c] ?? 0) + 1;
        return [task, Object.fromEntries(classes.map((name, i) => [name, n[i] ?? 0]))];
      }),
    );
    const a = rows.accounting;
    return [
      {
        id,
        file: a?.file ?? "",
        rows: count,
        features: rows.dims,
        featureNames: a?.featureNames ?? [],
        groups: rows.groups ? new Set(rows.groups).size : null,
        classes,
        excluded: a?.excluded ?? 0,
        missingDropped: a?.missingDropped ?? 0,
        missingImputed: a?.missingImputed ?? 0,
        duplicatesDropped: a?.duplicatesDropped ?? 0,
      },
    ];
  });
}
