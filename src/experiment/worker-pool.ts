/**
 * The worker pool of `run --workers N` and `compare --workers N`: deals the pending (repeat, fold)
 * pairs round-robin to N threads (worker.ts), each of which prepares the same run or comparison and
 * leaves its finished runs in the run store, which the main thread then reads back in order.
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
}

/** What a worker thread posts: a progress line, or the problems that stopped it before training. */
export type WorkerMessage = string | { problems: Problem[] };

export async function runInWorkers(
  job: (pairs: [number, number][]) => WorkerJob,
  pending: [number, number][],
  workers: number,
  progress: (message: string) => void,
): Promise<Problem[]> {
  const shares: [number, number][][] = Array.from({ length: workers }, () => []);
  pending.forEach((pair, k) => shares[k % workers]?.push(pair));
  const problems: Problem[] = [];
  const exits = shares
    .filter((pairs) => pairs.length > 0)
    .map(
      (pairs) =>
        new Promise<boolean>((done) => {
          const worker = new Worker(new URL("./worker.js", import.meta.url), {
            workerData: job(pairs),
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
