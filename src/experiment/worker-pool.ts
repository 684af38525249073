/**
 * The worker pool of `run --workers N` and `compare --workers N`: N threads (worker.ts) each prepare
 * the same run or comparison and take pending (repeat, fold) pairs from one shared queue (a flag
 * per pair, set atomically by whichever thread reaches it first), so a thread that finishes early
 * (early stopping) takes more; each leaves its finished runs in the run store, which the main
 * thread then reads back in order.
 * In: a job per share of pairs, the pairs, N, a progress callback. Out: the problems of failed workers (none: all ran).
 */
import { Worker } from "node:worker_threads";
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
  pairs: [number, number][];
  /** One Int32 flag per pair: 0 while no thread has taken it. */
  taken: SharedArrayBuffer;
}

/** What a worker thread posts: a progress line, or the problems that stopped it before training. */
export type WorkerMessage = string | { problems: Problem[] };

export async function runInWorkers(
  job: (pairs: [number, number][], taken: SharedArrayBuffer) => WorkerJob,
  pending: [number, number][],
  workers: number,
  progress: (message: string) => void,
): Promise<Problem[]> {
  const taken = new SharedArrayBuffer(4 * pending.length);
  const problems: Problem[] = [];
  const exits = Array.from({ length: Math.min(workers, pending.length) }).map(
    () =>
      new Promise<boolean>((done) => {
        const worker = new Worker(new URL("./worker.js", import.meta.url), {
          workerData: job(pending, taken),
        });
        worker.on("message", (m: WorkerMessage) =>
          typeof m === "string" ? progress(m) : problems.push(...m.problems),
        );
        worker.on("error", (e) => {
          problems.push(plain(`a worker failed: ${e.message}`));
          done(false);
        });
        worker.on("exit", (code) => done(code === 0));
      }),
  );
  const ok = (await Promise.all(exits)).every(Boolean);
  if (!ok && problems.length === 0) problems.push(plain("a worker failed"));
  return ok ? [] : problems;
}
