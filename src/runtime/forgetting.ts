/**
 * Forgetting, measured after each stage against each column's own test score from when it was
 * trained. Frozen columns are re-evaluated as they are (a PNN's change must be exactly 0, and this
 * checks it rather than assumes it); a PT/FT column's fine-tuned body is given its source's head
 * back and scored on the source's task.
 * In: the run's kept models and each column's own score. Out: Forgetting rows.
 */
import type * as Tf from "@tensorflow/tfjs";
import type { Column } from "./column.js";
import type { Plan, PlannedStage, RunIndex } from "./plan.js";
import type { Forgetting } from "./results.js";
import { evaluate, type TaskSplits } from "./task-splits.js";

/** A column's test UAR right after it was trained, with the test rows to score it on again. */
export interface OwnScore {
  uar: number;
  test: TaskSplits;
}

/** Every column trained in an earlier stage than `stage`, re-evaluated now. */
export function frozenColumnForgetting<C extends Column>(
  tf: typeof Tf,
  earlierStages: readonly PlannedStage[],
  stage: PlannedStage,
  models: ReadonlyMap<string, C>,
  ownScores: ReadonlyMap<string, OwnScore>,
  at: RunIndex,
): Forgetting[] {
  const rows: Forgetting[] = [];
  for (const [id, own] of ownScores) {
    if (earlierStages.every((earlier) => !earlier.train.includes(id))) continue;
    const model = models.get(id);
    if (!model) continue;
    const now = evaluate(tf, model, models, own.test.test);
    rows.push(forgettingRow(at, id, null, stage, own.uar, now.uar));
  }
  return rows;
}

/**
 * What fine-tuning cost each PT/FT column's source: the tuned body with the source's saved head,
 * on the source's test rows. Skipped when the source reads other columns: the rebuilt body copies
 * hidden layers only, so its laterals would be new random weights, not the source's.
 */
export function fineTunedSourceForgetting<C extends Column>(
  tf: typeof Tf,
  plan: Plan<C>,
  stage: PlannedStage,
  models: ReadonlyMap<string, C>,
  ownScores: ReadonlyMap<string, OwnScore>,
  at: RunIndex,
): Forgetting[] {
  const rows: Forgetting[] = [];
  for (const id of stage.train) {
    const sourceId = plan.columns.get(id)?.init;
    const tuned = models.get(id);
    const source = sourceId ? models.get(sourceId) : undefined;
    const own = sourceId ? ownScores.get(sourceId) : undefined;
    const build = sourceId ? plan.columns.get(sourceId)?.build : undefined;
    if (!tuned || !source || !own || !sourceId || !build || source.sources.length > 0) continue;
    // Built as the source, but `initFrom` copies the tuned column's hidden layers into it.
    const classes = source.head.bias.shape[0] ?? 0;
    const body = build(tf, own.test.test.x.shape[1], classes, models, 0, id);
    body.head.kernel.assign(source.head.kernel);
    body.head.bias.assign(source.head.bias);
    const now = evaluate(tf, body, models, own.test.test);
    body.dispose();
    rows.push(forgettingRow(at, sourceId, id, stage, own.uar, now.uar));
  }
  return rows;
}

function forgettingRow(
  at: RunIndex,
  column: string,
  via: string | null,
  stage: PlannedStage,
  uarBefore: number,
  uarAfter: number,
): Forgetting {
  return {
    repeat: at.repeat + 1,
    fold: at.fold + 1,
    column,
    via,
    afterStage: stage.id,
    uarBefore,
    uarAfter,
    change: uarAfter - uarBefore,
  };
}
