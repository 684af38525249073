/**
 * A worker thread of `run --workers N` or `compare --workers N` (started by worker-pool.ts): prepares
 * the same run or comparison as the main thread, takes pending (repeat, fold) pairs from the shared
 * queue until none is left, and leaves each finished run in the run store (DIR/runs/).
 * In: workerData (a WorkerJob). Out: progress lines, or the problems that stopped it, as messages; files.
 */
import { parentPort, workerData } from "node:worker_threads";
import { prepareCompare } from "./prepare-compare.js";
import { prepareRun } from "./prepare-run.js";
import { divergedProblem, failedRun } from "./train-runs.js";
import type { WorkerJob, WorkerMessage } from "./worker-pool.js";

const job = workerData as WorkerJob;
const queue = new Map(job.pairs.map(([r, f], i) => [`${r}-${f}`, i]));
const taken = new Int32Array(job.taken);
/** The next pair is ours unless another thread took it first. */
const take = (r: number, f: number) => {
  const i = queue.get(`${r}-${f}`);
  return i !== undefined && Atomics.compareExchange(taken, i, 0, 1) === 0;
};
const post = (m: WorkerMessage) => parentPort?.postMessage(m);
const options = {
  out: job.out,
  backend: job.backend,
  frozenCache: job.frozenCache,
  store: job.store,
  task: job.task,
};
const prepared =
  job.kind === "compare"
    ? await prepareCompare(job.files, options)
    : await prepareRun(job.files[0] ?? "", options);
if (!prepared.ok) {
  // The main thread prepared the same files a moment ago; tell it why this one could not.
  post({ problems: prepared.problems });
  process.exit(1);
}
// Runs this thread could not save are trained again by the main thread, which reports them.
try {
  await prepared.value.execute({
    progress: (m) => post(m),
    only: take,
    ...(job.keepGoing ? { onDiverged: (run) => post({ failed: failedRun(run) }) } : {}),
  });
} catch (e) {
  const diverged = divergedProblem(e);
  if (!diverged) throw e;
  post({ problems: [diverged] });
  process.exit(1);
}
