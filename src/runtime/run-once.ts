/**
 * One method's (repeat, fold) run: each stage in order obtains its columns for every `train_folds`
 * variant (shared, restored or trained), scores them on the test fold, then measures forgetting.
 * In: the method's plan and data, the run, the context shared by the run's methods. Out: the run's
 * RunRecord; trained columns go to `onRunEnd`, then are freed unless a later method shares them.
 */
import type { Column } from "./column.js";
import { obtainColumn, type ReuseContext, type SharedColumn } from "./column-reuse.js";
import { fineTunedSourceForgetting, frozenColumnForgetting, type OwnScore } from "./forgetting.js";
import type { Normalizer } from "./normalize.js";
import type { ExperimentData, Plan, PlannedStage, RunIndex } from "./plan.js";
import type { RunRecord } from "./results.js";
import { classesOf, disposeSplits, taskSplits, type TaskSplits } from "./task-splits.js";

/** A column trained in a run, with the normaliser its inputs went through. */
export interface TrainedColumn<C extends Column> {
  id: string;
  model: C;
  norm: Normalizer;
}

/** Called after each run, before its columns are freed (checkpoints, weight dumps). */
export type OnRunEnd<C extends Column> = (
  repeat: number,
  fold: number,
  trained: TrainedColumn<C>[],
  models: ReadonlyMap<string, C>,
) => Promise<void> | void;

export interface RunContext<C extends Column> extends ReuseContext<C> {
  progress: (message: string) => void;
}

/** What a run carries from stage to stage. */
interface RunState<C extends Column> {
  plan: Plan<C>;
  data: ExperimentData;
  at: RunIndex;
  record: RunRecord;
  /** The kept model of each column so far: later columns' sources, forgetting's subjects. */
  models: Map<string, C>;
  trained: TrainedColumn<C>[];
  ownScores: Map<string, OwnScore>;
}

export async function runOnce<C extends Column>(
  context: RunContext<C>,
  plan: Plan<C>,
  data: ExperimentData,
  at: RunIndex,
  onRunEnd: OnRunEnd<C> | undefined,
): Promise<RunRecord> {
  const state: RunState<C> = {
    plan,
    data,
    at,
    record: { runs: [], forgetting: [] },
    models: new Map(),
    trained: [],
    ownScores: new Map(),
  };
  try {
    for (const [s, stage] of plan.stages.entries()) {
      runStage(context, state, stage);
      const { tf } = context;
      const earlier = plan.stages.slice(0, s);
      state.record.forgetting.push(
        ...frozenColumnForgetting(tf, earlier, stage, state.models, state.ownScores, at),
      );
      state.record.forgetting.push(
        ...fineTunedSourceForgetting(tf, plan, stage, state.models, state.ownScores, at),
      );
    }
  } catch (e) {
    // A diverged run may be left out while the others go on (`--keep-going`): free what it built.
    freeRun(state, context.shared);
    throw e;
  }
  await onRunEnd?.(at.repeat + 1, at.fold + 1, state.trained, state.models);
  freeRun(state, context.shared);
  return state.record;
}

function runStage<C extends Column>(
  context: RunContext<C>,
  state: RunState<C>,
  stage: PlannedStage,
): void {
  const variants: (number | null)[] = stage.trainFolds ?? [null];
  // Later stages, forgetting and checkpoints build on the variant with the most training folds.
  const folds = variants.map((n) => n ?? Infinity);
  const primary = folds.indexOf(Math.max(...folds));
  variants.forEach((variant, v) => {
    for (const id of stage.train) runColumn(context, state, stage, id, variant, v === primary);
  });
}

/** Obtains one column for one variant, records its test score, and keeps or frees it. */
function runColumn<C extends Column>(
  context: RunContext<C>,
  state: RunState<C>,
  stage: PlannedStage,
  id: string,
  variant: number | null,
  kept: boolean,
): void {
  const { plan, data, at } = state;
  const column = plan.columns.get(id);
  if (!column) return;
  const splits = taskSplits(context.tf, plan, data, column.task, at, variant);
  if (!splits) return;
  let obtained: ReturnType<typeof obtainColumn<C>>;
  try {
    obtained = obtainColumn(context, {
      id,
      column,
      stage,
      splits,
      models: state.models,
      at,
      variant,
      // Only the variant later stages build on is kept, so only it can be shared.
      key: kept ? plan.keys?.get(id) : undefined,
      classes: classesOf(plan, data, column.task),
    });
  } catch (e) {
    // A diverged run may be left out while the others go on (`--keep-going`).
    disposeSplits(splits);
    throw e;
  }
  const { model, run, how } = obtained;
  state.record.runs.push(run);
  context.progress(progressLine(context.method, at, stage, id, variant, run.test.uar, how));
  if (kept) keepColumn(state, context.shared, id, model, splits, run.test.uar);
  else {
    model.dispose();
    disposeSplits(splits);
  }
}

// The id and variant asked for, not the run's: a shared or stored run may name another column.
function progressLine(
  method: string,
  at: RunIndex,
  stage: PlannedStage,
  id: string,
  variant: number | null,
  uar: number,
  how: string,
): string {
  const who = method ? `${method}, ` : "";
  const folds = variant === null ? "" : `, ${variant} training folds`;
  return `repeat ${at.repeat + 1}, fold ${at.fold + 1}, ${who}stage ${stage.id}: ${id} UAR ${uar.toFixed(3)} (${how}${folds})`;
}

/** Makes `model` the column's model for later stages, replacing one an earlier stage kept. */
function keepColumn<C extends Column>(
  state: RunState<C>,
  shared: ReadonlyMap<string, SharedColumn<C>>,
  id: string,
  model: C,
  splits: TaskSplits,
  uar: number,
): void {
  const previous = state.models.get(id);
  if (previous && !isShared(shared, previous)) previous.dispose();
  state.models.set(id, model);
  state.trained.push({ id, model, norm: splits.norm });
  const before = state.ownScores.get(id);
  if (before) disposeSplits(before.test);
  state.ownScores.set(id, { uar, test: splits });
}

function isShared<C extends Column>(
  shared: ReadonlyMap<string, SharedColumn<C>>,
  model: C,
): boolean {
  return [...shared.values()].some((entry) => entry.model === model);
}

function freeRun<C extends Column>(
  state: RunState<C>,
  shared: ReadonlyMap<string, SharedColumn<C>>,
): void {
  // Shared columns live until every method has finished this run (runMethods frees them).
  for (const model of state.models.values()) if (!isShared(shared, model)) model.dispose();
  for (const own of state.ownScores.values()) disposeSplits(own.test);
}
