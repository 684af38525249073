/**
 * Training a prepared run's or comparison's pending (repeat, fold) runs: in worker threads when there
 * are several (each leaves its runs in the run store), then in this thread, which trains what is
 * left and reads every run back in order.
 * In: pending pairs, worker count, worker job, in-thread execution, progress. Out: its result, or
 * failed workers' problems, or PNN4022 when a training diverged.
 */
import { TrainingDiverged } from "../runtime/train.js";
import { coded, fail, succeed, type Outcome, type Problem } from "./outcome.js";
import { runInWorkers, type WorkerJob } from "./worker-pool.js";

export type Progress = (message: string) => void;

export async function trainRuns<T>(
  plan: { pending: [number, number][]; workers: number },
  job: (pairs: [number, number][], taken: SharedArrayBuffer) => WorkerJob,
  execute: (progress: Progress) => Promise<T>,
  progress: Progress,
): Promise<Outcome<T>> {
  if (plan.workers > 1) {
    const problems = await runInWorkers(job, plan.pending, plan.workers, progress);
    if (problems.length > 0) return fail("failed", problems);
  }
  // With workers, every run is in the store by now and this only reads them back in order.
  try {
    return succeed(await execute(plan.workers > 1 ? () => {} : progress));
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
