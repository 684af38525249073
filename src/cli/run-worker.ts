/**
 * A worker thread of `pnnc run --workers N` or `pnnc compare --workers N`: runs its share of
 * (repeat, fold) pairs and leaves each finished run in the run store (DIR/runs/), which the main
 * thread then reads back in order.
 * In: workerData (kind, spec paths, output directory, backend, pairs). Out: progress messages; files.
 */
import { parentPort, workerData } from "node:worker_threads";
import { prepareRun } from "./run-command.js";
import { prepareCompare } from "./compare-command.js";

interface Job {
  kind: "run" | "compare";
  files: string[];
  out: string;
  backend?: string;
  frozenCache?: boolean;
  store?: string | false;
  task?: string;
  pairs: [number, number][];
}

const job = workerData as Job;
const wanted = new Set(job.pairs.map(([r, f]) => `${r}-${f}`));
const options = {
  out: job.out,
  backend: job.backend,
  frozenCache: job.frozenCache,
  store: job.store,
  task: job.task,
};
const prepared =
  job.kind === "compare"
    ? await prepareCompare(job.files, options, { quiet: true })
    : await prepareRun(job.files[0] ?? "", options, { quiet: true });
if (typeof prepared === "number") process.exit(prepared);
await prepared.execute({
  progress: (m) => parentPort?.postMessage(m),
  only: (r, f) => wanted.has(`${r}-${f}`),
});
