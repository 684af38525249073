/**
 * `pnnc compare` after preparing: training, the statistics, and the files it writes (DIR/compare.json,
 * DIR/results/NAME.json, DIR/specs/NAME.pnn, DIR/report.html).
 * In: a PreparedCompare and a progress callback. Out: the comparison and where things went, or why not.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { compareDocument, type ComparisonDocument } from "../engine/compare.js";
import type { FailedRun, RunResults } from "../runtime/results.js";
import { PNNC_VERSION } from "../version.js";
import { writeFileAtomic } from "./files.js";
import { fail, plain, succeed, type Outcome, type Problem } from "./outcome.js";
import type { PreparedCompare } from "./prepare-compare.js";
import { incompleteRuns } from "./completeness.js";
import { foldsPerRepeat } from "./load-spec.js";
import { runKey } from "./slices.js";
import { failedProblems, trainRuns, type Progress, type Trained } from "./train-runs.js";
import { writeReport } from "./write-report.js";

export interface CompareDone {
  comparison: ComparisonDocument;
  seconds: number;
  /** DIR/compare.json. */
  path: string;
  /** The HTML report, or null when it could not be written (a problem says why). */
  report: string | null;
  /** Each method's run warnings (runtime/run-warnings.ts), prefixed with its name. */
  warnings: string[];
}

/**
 * 1. Train the pending runs (in workers, then this thread), with `keepGoing` leaving out runs that
 * diverge; 2. compare the methods, and check each method's assembled results hold every run;
 * 3. write each spec's results and the spec itself; 4. write DIR/compare.json, last and only when
 * every file before it was written, so it never describes stale files; 5. write the HTML report (a
 * failed report does not fail the comparison).
 */
export async function executeCompare(
  prepared: PreparedCompare,
  progress: Progress,
  opts: { keepGoing?: boolean } = {},
): Promise<Outcome<CompareDone>> {
  const started = performance.now();
  const keepGoing = opts.keepGoing === true;
  // 1. Train.
  const trained = await trainCompare(prepared, progress, keepGoing);
  if (!trained.ok) return trained;
  const { value: results, failed } = trained.value;
  // Every run diverged: there is nothing to compare, so the comparison fails even with --keep-going.
  if (failed.length > 0 && results.every((r) => r.runs.length === 0))
    return fail("failed", [...failedProblems(failed, false), ...prepared.unsaved]);
  const seconds = (performance.now() - started) / 1000;
  // 2. Compare, and check what was assembled, as `pnnc run` does.
  const comparison = compare(prepared, results);
  const incomplete = incompleteMethods(prepared, results, failed);
  // 3. Each spec's results and the spec itself.
  const problems = writeMethodResults(prepared, results, seconds, keepGoing ? failed : null);
  // 4. compare.json.
  const path = join(prepared.out, "compare.json");
  if (problems.length === 0) {
    const document = {
      ...compareJson(prepared, comparison, seconds),
      ...(keepGoing ? { failedRuns: failed } : {}),
    };
    const problem = writeFileAtomic(path, JSON.stringify(document, null, 2) + "\n");
    if (problem) problems.push(plain(problem));
  }
  if (problems.length > 0) return fail("failed", [...prepared.unsaved, ...problems]);
  // 5. The report.
  const report = writeReport(prepared.out);
  const warnings: Problem[] = [...failedProblems(failed, true), ...prepared.unsaved, ...incomplete];
  if ("problem" in report) warnings.push(plain(`no report: ${report.problem}`));
  return succeed(
    {
      comparison,
      seconds,
      path,
      report: "path" in report ? report.path : null,
      warnings: results.flatMap((r, i) =>
        (r.warnings ?? []).map((w) => `method \`${prepared.specs[i]?.ir.name}\`: ${w.message}`),
      ),
    },
    { problems: warnings },
  );
}

/**
 * `--repeats N` runs the protocol's first N repeats (their folds do not depend on N); a later
 * compare into the same directory reuses them and runs the rest.
 */
export function trainCompare(
  prepared: PreparedCompare,
  progress: Progress,
  keepGoing: boolean,
): Promise<Outcome<Trained<RunResults[]>>> {
  const { options } = prepared;
  const covered = new Set(prepared.runs.map(runKey));
  return trainRuns(
    prepared,
    (pairs, taken) => ({
      kind: "compare",
      files: prepared.files,
      out: prepared.out,
      backend: prepared.backend,
      frozenCache: options.frozenCache,
      ...(options.store !== undefined ? { store: options.store } : {}),
      task: options.task,
      keepGoing,
      pairs,
      taken,
    }),
    ({ progress: p, skip, onDiverged }) =>
      prepared.execute({
        progress: p,
        only: (r, f) => r <= prepared.repeats && covered.has(runKey([r, f])) && !skip(r, f),
        ...(onDiverged ? { onDiverged } : {}),
      }),
    progress,
    keepGoing,
  );
}

/** Each method's results checked like results.json (completeness.ts), over the repeats run. */
function incompleteMethods(
  prepared: PreparedCompare,
  results: readonly RunResults[],
  failed: readonly FailedRun[],
): Problem[] {
  const leftOut = new Set(failed.map((f) => `${f.repeat}-${f.fold}`));
  return prepared.specs.flatMap((s, i) =>
    incompleteRuns(
      results[i] ?? { runs: [] },
      {
        repeats: Math.min(prepared.repeats, s.ir.evaluation.repeats),
        folds: foldsPerRepeat(s.data),
      },
      (r, f) => leftOut.has(`${r}-${f}`),
      `results/${s.ir.name}.json`,
    ),
  );
}

function compare(prepared: PreparedCompare, results: RunResults[]): ComparisonDocument {
  const first = prepared.specs[0]?.data.splits.values().next().value;
  return compareDocument(
    prepared.specs.map((s) => s.ir),
    results,
    {
      task: prepared.options.task ?? null,
      baseline: prepared.options.baseline ?? null,
      df: prepared.df,
      k: first?.folds[0]?.k ?? 1,
    },
  );
}

function writeMethodResults(
  prepared: PreparedCompare,
  results: RunResults[],
  seconds: number,
  failed: readonly FailedRun[] | null,
): Problem[] {
  const { out, specs } = prepared;
  const problems: Problem[] = [];
  try {
    mkdirSync(join(out, "results"), { recursive: true });
    mkdirSync(join(out, "specs"), { recursive: true });
    specs.forEach((s, i) => {
      const doc = {
        pnnc: PNNC_VERSION,
        spec: s.ir.name,
        specHash: s.hash,
        backend: prepared.backend,
        seconds,
        ...results[i],
        ...(failed ? { failedRuns: failed } : {}),
      };
      const problem = writeFileAtomic(
        join(out, "results", `${s.ir.name}.json`),
        JSON.stringify(doc, null, 2) + "\n",
      );
      if (problem) problems.push(plain(problem));
      const copied = writeFileAtomic(join(out, "specs", `${s.ir.name}.pnn`), s.source);
      if (copied) problems.push(plain(copied));
    });
  } catch (e) {
    problems.push(plain(`cannot write into \`${out}\`: ${(e as Error).message}`));
  }
  return problems;
}

function compareJson(prepared: PreparedCompare, comparison: ComparisonDocument, seconds: number) {
  const { specs } = prepared;
  return {
    pnnc: PNNC_VERSION,
    backend: prepared.backend,
    seconds,
    specs: specs.map((s) => ({ name: s.ir.name, file: s.file, specHash: s.hash })),
    sharedPerRun: prepared.shared,
    /** Repeats actually run (`--repeats` may stop short of the protocol's). */
    repeatsRun: Math.min(prepared.repeats, specs[0]?.ir.evaluation.repeats ?? 1),
    ...comparison,
  };
}
