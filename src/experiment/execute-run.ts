/**
 * `pnnc run` after preparing: 1. train the pending runs (in workers, then this thread), counting the
 * columns trained and reused; 2. write DIR/results.json atomically; 3. copy the spec beside it and
 * write the HTML report (a failed report does not fail the run).
 * In: a PreparedRun and a progress callback. Out: the results document and where things went, or why not.
 */
import { join } from "node:path";
import type { RunResults } from "../runtime/results.js";
import { PNNC_VERSION } from "../version.js";
import { writeFileAtomic } from "./files.js";
import { foldsPerRepeat } from "./load-spec.js";
import { fail, plain, succeed, type Outcome, type Problem } from "./outcome.js";
import type { PreparedRun } from "./prepare-run.js";
import { trainRuns, type Progress } from "./train-runs.js";
import { writeReport } from "./write-report.js";

export type RunDocument = {
  pnnc: string;
  spec: string;
  specHash: string;
  backend: string;
  seconds: number;
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
): Promise<Outcome<RunDone>> {
  const started = performance.now();
  // 1. Train.
  const columns = { trained: 0, reused: 0 };
  const counting: Progress = (m) => {
    if (/reused from the column store/.test(m)) columns.reused++;
    else if (/ \(\d+ epochs/.test(m)) columns.trained++;
    progress(m);
  };
  const trained = await trainRuns(
    prepared,
    (pairs, taken) => ({
      kind: "run",
      files: [prepared.file],
      out: prepared.out,
      backend: prepared.backend,
      store: prepared.storeDir ?? false,
      pairs,
      taken,
    }),
    (p) => prepared.execute({ progress: p }),
    counting,
  );
  if (!trained.ok) return trained;
  const incomplete = missingRuns(prepared, trained.value);
  const seconds = (performance.now() - started) / 1000;
  // 2. The results document.
  const document: RunDocument = {
    pnnc: PNNC_VERSION,
    spec: prepared.ir.name,
    specHash: prepared.specHash,
    backend: prepared.backend,
    seconds,
    ...trained.value,
  };
  const path = join(prepared.out, "results.json");
  const problem = writeFileAtomic(path, JSON.stringify(document, null, 2) + "\n");
  if (problem) return fail("failed", [...prepared.unsaved, plain(problem)]);
  // 3. The report, which needs the spec it came from.
  const report = writeRunReport(prepared);
  const problems: Problem[] = [...prepared.unsaved, ...incomplete];
  if ("problem" in report) problems.push(plain(`no report: ${report.problem}`));
  return succeed(
    { document, seconds, path, report: "path" in report ? report.path : null, columns },
    { problems },
  );
}

function writeRunReport(prepared: PreparedRun): { path: string } | { problem: string } {
  const copied = writeFileAtomic(join(prepared.out, "spec.pnn"), prepared.source);
  return copied ? { problem: copied } : writeReport(prepared.out);
}

/**
 * Says when results.json would hold fewer or duplicated runs than the protocol asks for: every
 * (repeat, fold) must have runs, as many as the others, and no column's run twice.
 */
function missingRuns(prepared: PreparedRun, results: RunResults): Problem[] {
  const byRun = new Map<string, string[]>();
  for (const r of results.runs) {
    const at = `repeat ${r.repeat}, fold ${r.fold}`;
    byRun.set(at, [...(byRun.get(at) ?? []), `${r.column}\u0000${r.trainFolds ?? ""}`]);
  }
  const expected = Math.max(0, ...[...byRun.values()].map((ids) => ids.length));
  const problems: Problem[] = [];
  for (let repeat = 1; repeat <= prepared.ir.evaluation.repeats; repeat++)
    for (let fold = 1; fold <= foldsPerRepeat(prepared.data); fold++) {
      const at = `repeat ${repeat}, fold ${fold}`;
      const ids = byRun.get(at) ?? [];
      if (ids.length < expected)
        problems.push(
          plain(`results.json lacks runs of ${at} (${ids.length} of ${expected} column runs)`),
        );
      if (new Set(ids).size !== ids.length)
        problems.push(plain(`results.json holds a column's run twice in ${at}`));
    }
  return problems;
}
