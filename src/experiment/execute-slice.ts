/**
 * `pnnc run --shard I/N` and `pnnc compare --shard I/N` after preparing: train the slice's runs that
 * the run store lacks into it, exactly as a full command would, and write no results: `--assemble`
 * (or a full command) writes them once every slice is done.
 * In: a PreparedRun or PreparedCompare and a progress callback. Out: what the slice did, or why not.
 */
import { trainCompare } from "./execute-compare.js";
import { trainRun } from "./execute-run.js";
import { fail, succeed, type Outcome, type Problem } from "./outcome.js";
import type { PreparedCompare } from "./prepare-compare.js";
import type { PreparedRun } from "./prepare-run.js";
import { runKey, type RunPair, type Slice } from "./slices.js";
import { failedProblems, type Progress } from "./train-runs.js";

export interface SliceDone {
  slice: Slice;
  /** The slice's runs, and how many of them this command trained (the rest were stored). */
  runs: RunPair[];
  trained: number;
  /** Runs of the whole protocol still missing from the store, this slice's and others'. */
  missing: RunPair[];
  /** Runs in the whole protocol. */
  total: number;
  seconds: number;
}

type Prepared = (PreparedRun | PreparedCompare) & { slice: Slice };

export async function executeSlice(
  prepared: Prepared,
  progress: Progress,
  opts: { keepGoing?: boolean } = {},
): Promise<Outcome<SliceDone>> {
  const started = performance.now();
  const keepGoing = opts.keepGoing === true;
  const trained =
    "ir" in prepared
      ? (await trainRun(prepared, progress, keepGoing)).trained
      : await trainCompare(prepared, progress, keepGoing);
  if (!trained.ok) return trained;
  const { failed } = trained.value;
  const missing = prepared.missing();
  const problems: Problem[] = [...failedProblems(failed, true), ...prepared.unsaved];
  const mine = new Set(prepared.runs.map(runKey));
  // A run of this slice still missing (not left out by --keep-going) means the store would not
  // keep it: the slice failed its one job.
  const lost = missing.filter(
    ([r, f]) => mine.has(runKey([r, f])) && !failed.some((x) => x.repeat === r && x.fold === f),
  );
  if (lost.length > 0)
    return fail("failed", [
      ...problems,
      {
        message: `${lost.length} run(s) of slice ${prepared.slice.index}/${prepared.slice.count} were trained but could not be stored`,
      },
    ]);
  return succeed(
    {
      slice: prepared.slice,
      runs: prepared.runs,
      trained: prepared.pending.length - failed.length,
      missing,
      total: prepared.total,
      seconds: (performance.now() - started) / 1000,
    },
    { problems },
  );
}
