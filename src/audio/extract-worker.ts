/**
 * A worker thread of `extractAll`: takes the next file index from the shared counter until none is
 * left and posts each file's row or problem. In: workerData (files, counter, settings). Out: messages.
 */
import { parentPort, workerData } from "node:worker_threads";
import { extractOne, type WorkerMessage } from "./extract-batch.js";

const { files, next, settings } = workerData as {
  files: string[];
  next: SharedArrayBuffer;
  settings: { cacheDir?: string; maxSeconds?: number };
};
const counter = new Int32Array(next);
for (;;) {
  const index = Atomics.add(counter, 0, 1);
  if (index >= files.length) break;
  parentPort?.postMessage({ started: index } satisfies WorkerMessage);
  const outcome = await extractOne(files[index] ?? "", settings);
  parentPort?.postMessage({ index, outcome } satisfies WorkerMessage);
}
