/**
 * `pnnc run` after preparing: 1. train the pending runs (in workers, then this thread), counting the
 * columns trained and reused, and with `keepGoing` leaving out runs that diverge; 2. write
 * DIR/results.json atomically; 3. copy the spec beside it and write the HTML report (a failed
 * report does not fail the run).
 * In: a PreparedRun and a progress callback. Out: the results document and where things went, or why not.
 */
import { join } from "node:path";
import type { FailedRun, RunResults } from "../runtime/results.js";
import { PNNC_VERSION } from "../version.js";
import { writeFileAtomic } from "./files.js";
import { foldsPerRepeat } from "./load-spec.js";
import { fail, plain, succeed, type Outcome, type Problem } from "./outcome.js";
import type { PreparedRun } from "./prepare-run.js";
import { incompleteRuns } from "./completeness.js";
import { runKey } from "./slices.js";
import { failedProblems, trainRuns, type Progress, type Trained } from "./train-runs.js";
import { writeReport } from "./write-report.js";

export type RunDocument = {
  pnnc: string;
  spec: string;
  specHash: string;
  backend: string;
  seconds: number;
  /** Runs left out because their training diverged; written only with `--keep-going`. */
  failedRuns?: FailedRun[];
} & RunResults;

export interface RunDone {
  document: RunDocument;
  seconds: number;
  /** DIR/results.json. */
  path: string;
  /** The HTML report, or null when it could not be written (a problem says why). */
  report: string | null;
  /** Columns trained and reused from the column store (from the progress messages). */
  columns: { trained: number; reused: number };
}

export async function executeRun(
  prepared: PreparedRun,
  progress: Progress,
  opts: { keepGoing?: boolean } = {},
): Promise<Outcome<RunDone>> {
  const started = performance.now();
  // 1. Train.
  const keepGoing = opts.keepGoing === true;
  const { trained, columns } = await trainRun(prepared, progress, keepGoing);
  if (!trained.ok) return trained;
  const { value: results, failed } = trained.value;
  // Every run diverged: there is nothing to summarise, so the run fails even with --keep-going.
  if (results.runs.length === 0 && failed.length > 0)
    return fail("failed", [...failedProblems(failed, false), ...prepared.unsaved]);
  const leftOut = new Set(failed.map((f) => `${f.repeat}-${f.fold}`));
  const incomplete = incompleteRuns(
    results,
    { repeats: prepared.ir.evaluation.repeats, folds: foldsPerRepeat(prepared.data) },
    (r, f) => leftOut.has(`${r}-${f}`),
    "results.json",
  );
  const seconds = (performance.now() - started) / 1000;
  // 2. The results document.
  const document: RunDocument = {
    pnnc: PNNC_VERSION,
    spec: prepared.ir.name,
    specHash: prepared.specHash,
    backend: prepared.backend,
    seconds,
    ...results,
    ...(keepGoing ? { failedRuns: failed } : {}),
  };
  const path = join(prepared.out, "results.json");
  const problem = writeFileAtomic(path, JSON.stringify(document, null, 2) + "\n");
  if (problem) return fail("failed", [...prepared.unsaved, plain(problem)]);
  // 3. The report, which needs the spec it came from.
  const report = writeRunReport(prepared);
  const problems: Problem[] = [...failedProblems(failed, true), ...prepared.unsaved, ...incomplete];
  if ("problem" in report) problems.push(plain(`no report: ${report.problem}`));
  return succeed(
    { document, seconds, path, report: "path" in report ? report.path : null, columns },
    { problems },
  );
}

/**
 * Trains the prepared run's pending runs (those of its slice, with `--shard`) and reads back every
 * run it covers, counting the columns trained and reused from the progress messages.
 */
export async function trainRun(
  prepared: PreparedRun,
  progress: Progress,
  keepGoing: boolean,
): Promise<{
  trained: Outcome<Trained<RunResults>>;
  columns: { trained: number; reused: number };
}> {
  const columns = { trained: 0, reused: 0 };
  const counting: Progress = (m) => {
    if (/reused from the column store/.test(m)) columns.reused++;
    else if (/ \(\d+ epochs/.test(m)) columns.trained++;
    progress(m);
  };
  const covered = new Set(prepared.runs.map(runKey));
  const trained = await trainRuns(
    prepared,
    (pairs, taken) => ({
      kind: "run",
      files: [prepared.file],
      out: prepared.out,
      backend: prepared.backend,
      store: prepared.storeDir ?? false,
      keepGoing,
      pairs,
      taken,
    }),
    ({ progress: p, skip, onDiverged }) =>
      prepared.execute({
        progress: p,
        only: (r, f) => covered.has(runKey([r, f])) && !skip(r, f),
        ...(onDiverged ? { onDiverged } : {}),
      }),
    counting,
    keepGoing,
  );
  return { trained, columns };
}

function writeRunReport(prepared: PreparedRun): { path: string } | { problem: string } {
  const copied = writeFileAtomic(join(prepared.out, "spec.pnn"), prepared.source);
  return copied ? { problem: copied } : writeReport(prepared.out);
}
