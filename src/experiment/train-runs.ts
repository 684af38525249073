/**
 * Trains a prepared run's or comparison's pending runs: in worker threads when several, then in this
 * thread, which trains what is left and reads every run back in order.
 * In: pending pairs, workers, job, execution, progress, `keepGoing`. Out: result and left-out runs,
 * or failed workers' problems, or PNN4022 when a training diverged without `keepGoing`.
 */
import type { DivergedRun } from "../runtime/driver.js";
import type { FailedRun } from "../runtime/results.js";
import { TrainingDiverged } from "../runtime/train.js";
import { coded, fail, succeed, type Outcome, type Problem } from "./outcome.js";
import { runInWorkers, type WorkerJob } from "./worker-pool.js";

export type Progress = (message: string) => void;

/** What the in-thread execution is given: progress, the runs to skip, and where divergences go. */
export interface ExecuteWith {
  progress: Progress;
  /** Runs that diverged in a worker: not tried again here (they would diverge again). */
  skip: (repeat: number, fold: number) => boolean;
  /** Set only with `keepGoing`: the driver then leaves a diverged run out instead of throwing. */
  onDiverged?: (run: DivergedRun) => void;
}

export interface Trained<T> {
  value: T;
  /** Runs left out because their training diverged (only ever non-empty with `keepGoing`). */
  failed: FailedRun[];
}

export async function trainRuns<T>(
  plan: { pending: [number, number][]; workers: number },
  job: (pairs: [number, number][], taken: SharedArrayBuffer) => WorkerJob,
  execute: (how: ExecuteWith) => Promise<T>,
  progress: Progress,
  keepGoing = false,
): Promise<Outcome<Trained<T>>> {
  const failed: FailedRun[] = [];
  if (plan.workers > 1) {
    const done = await runInWorkers(job, plan.pending, plan.workers, progress);
    if (done.problems.length > 0) return fail("failed", done.problems);
    failed.push(...done.failed);
  }
  const skipped = new Set(failed.map((f) => `${f.repeat}-${f.fold}`));
  // With workers, every other run is in the store by now and this only reads them back in order.
  try {
    const value = await execute({
      progress: plan.workers > 1 ? () => {} : progress,
      skip: (repeat, fold) => skipped.has(`${repeat}-${fold}`),
      ...(keepGoing ? { onDiverged: (run: DivergedRun) => failed.push(failedRun(run)) } : {}),
    });
    failed.sort((a, b) => a.repeat - b.repeat || a.fold - b.fold);
    return succeed({ value, failed });
  } catch (e) {
    const diverged = divergedProblem(e);
    if (diverged) return fail("failed", [diverged]);
    throw e;
  }
}

/** A training whose loss became NaN is the spec's or data's problem (PNN4022), not a crash. */
export function divergedProblem(e: unknown): Problem | null {
  return e instanceof TrainingDiverged ? coded("PNN4022", e.message, e.hint) : null;
}

/** How results.json and compare.json record a run left out; the message names the method, if any. */
export function failedRun({ repeat, fold, method, error }: DivergedRun): FailedRun {
  const message = `${method ? `method \`${method}\`, ` : ""}${error.message}`;
  return { repeat, fold, ...(method ? { method } : {}), message, hint: error.hint };
}

/**
 * The runs left out, as PNN4022 problems: warnings when other runs finished (`--keep-going` goes
 * on), errors when none did (nothing to report, so the command fails).
 */
export function failedProblems(failed: readonly FailedRun[], anyFinished: boolean): Problem[] {
  return failed.map((f) => ({
    ...coded(
      "PNN4022",
      `${f.message}${anyFinished ? " and is left out (--keep-going); the other runs went on" : ""}`,
      f.hint,
    ),
    ...(anyFinished ? { severity: "warning" as const } : {}),
  }));
}
