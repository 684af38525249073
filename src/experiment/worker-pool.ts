/**
 * `--workers N`: N threads (worker.ts) take pending (repeat, fold) runs from one shared queue (an
 * atomic flag per run) and leave them in the run store, which the main thread reads back in order.
 * In: a job, the pairs, N, progress. Out: failed workers' problems, runs left out (`keepGoing`).
 */
import { Worker } from "node:worker_threads";
import type { FailedRun } from "../runtime/results.js";
import { plain, type Problem } from "./outcome.js";

/** What a worker thread is told: which command to prepare, with which options, and its pairs. */
export interface WorkerJob {
  kind: "run" | "compare";
  files: string[];
  out: string;
  backend?: string;
  frozenCache?: boolean;
  store?: string | false;
  task?: string;
  /** `--keep-going`: a diverged run is posted as `failed` and the worker goes on. */
  keepGoing?: boolean;
  pairs: [number, number][];
  /** One Int32 flag per pair: 0 while no thread has taken it. */
  taken: SharedArrayBuffer;
}

/**
 * What a worker thread posts: a progress line, the problems that stopped it, or a run it left out
 * because it diverged (`keepGoing`).
 */
export type WorkerMessage = string | { problems: Problem[] } | { failed: FailedRun };

export async function runInWorkers(
  job: (pairs: [number, number][], taken: SharedArrayBuffer) => WorkerJob,
  pending: [number, number][],
  workers: number,
  progress: (message: string) => void,
): Promise<{ problems: Problem[]; failed: FailedRun[] }> {
  const taken = new SharedArrayBuffer(4 * pending.length);
  const problems: Problem[] = [];
  const failed: FailedRun[] = [];
  const exits = Array.from({ length: Math.min(workers, pending.length) }).map(
    () =>
      new Promise<boolean>((done) => {
        const worker = new Worker(new URL("./worker.js", import.meta.url), {
          workerData: job(pending, taken),
        });
        worker.on("message", (m: WorkerMessage) => {
          if (typeof m === "string") progress(m);
          else if ("failed" in m) failed.push(m.failed);
          else {
            problems.push(...m.problems);
            // The command fails: no thread should start another run of it.
            new Int32Array(taken).fill(1);
          }
        });
        worker.on("error", (e) => {
          problems.push(plain(`a worker failed: ${e.message}`));
          done(false);
        });
        worker.on("exit", (code) => done(code === 0));
      }),
  );
  const ok = (await Promise.all(exits)).every(Boolean);
  if (!ok && problems.length === 0) problems.push(plain("a worker failed"));
  return { problems: ok ? [] : problems, failed };
}
