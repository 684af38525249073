/**
 * Training a prepared run's or comparison's pending (repeat, fold) runs: in worker threads when there
 * are several (each leaves its runs in the run store), then in this thread, which trains what is
 * left and reads every run back in order.
 * In: pending pairs, worker count, worker job, in-thread execution, progress. Out: its result, or failed workers' problems.
 */
import { fail, succeed, type Outcome } from "./outcome.js";
import { runInWorkers, type WorkerJob } from "./worker-pool.js";

export type Progress = (message: string) => void;

export async function trainRuns<T>(
  plan: { pending: [number, number][]; workers: number },
  job: (pairs: [number, number][]) => WorkerJob,
  execute: (progress: Progress) => Promise<T>,
  progress: Progress,
): Promise<Outcome<T>> {
  if (plan.workers > 1) {
    const problems = await runInWorkers(job, plan.pending, plan.workers, progress);
    if (problems.length > 0) return fail("failed", problems);
  }
  // With workers, every run is in the store by now and this only reads them back in order.
  return succeed(await execute(plan.workers > 1 ? () => {} : progress));
}
