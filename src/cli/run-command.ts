/**
 * `pnnc run FILE [--out DIR] [--backend B] [--json]`: checks the spec, loads its data, selects a
 * TensorFlow.js backend, trains and evaluates every stage of every fold and repeat, prints a result
 * table (per column: mean ± std test UAR) and writes DIR/results.json atomically, with the first
 * run's trained columns as TF.js checkpoints in DIR/checkpoints/COLUMN/. Each finished (repeat, fold)
 * run is kept in DIR/runs/, so an interrupted run resumes from completed work. With `--workers N`
 * (default: the number of cores) independent (repeat, fold) runs train in worker threads. With
 * `--keep-going` a run whose training diverges is left out (a PNN4022 warning; `failedRuns` in
 * results.json) and the others go on; the exit is 0 only if at least one run finished.
 * The work is src/experiment/ (prepare-run.ts, execute-run.ts); this renders it.
 * In: parsed arguments. Out: an exit code (0 ok, 1 spec, data or backend problem, 2 usage).
 */
import { compareDocument, renderComparison } from "../engine/compare.js";
import { executeRun } from "../experiment/execute-run.js";
import { executeSlice } from "../experiment/execute-slice.js";
import { jobFile, writeJobFile } from "../experiment/job-file.js";
import { runArgs } from "./job-args.js";
import { keepGoingProblem, runSlurm, slurmOptions, type SlurmFlags } from "./slurm-command.js";
import { prepareRun, type RunOptions as PrepareOptions } from "../experiment/prepare-run.js";
import type { RunResults } from "../runtime/results.js";
import { EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { exitCodeOf, printProblem, printReports, renderSlice } from "./output.js";
import { progressReporter } from "./progress.js";

export interface RunOptions extends PrepareOptions {
  json?: boolean;
  /** `--keep-going`: a diverged (repeat, fold) run is left out, with a warning, and the rest go on. */
  keepGoing?: boolean;
}

export async function runRun(file: string, opts: RunOptions & SlurmFlags): Promise<number> {
  const checked = slurmOptions(opts);
  const stray = "problem" in checked ? checked.problem : keepGoingProblem(opts);
  if (stray !== null) {
    printProblem(stray);
    return EXIT_USAGE;
  }
  const slurm = "value" in checked ? checked.value : null;
  const prepared = await prepareRun(file, opts);
  printReports(prepared);
  if (!prepared.ok) return exitCodeOf(prepared.failure);
  if (slurm) {
    const { out, shape, missing } = prepared.value;
    return runSlurm(
      jobFile("run", [file], out, runArgs({ ...opts, backend: prepared.value.backend }), shape),
      missing(),
      slurm,
    );
  }
  const { ir, data, workers, storeDir } = prepared.value;
  for (const d of data.datasets.values()) {
    if (d.missing.rows > 0) {
      process.stderr.write(
        `dataset ${d.id}: ${d.missing.rows} rows with missing values (${d.missing.policy})\n`,
      );
    }
    if (d.duplicates.dropped > 0)
      process.stderr.write(
        `dataset ${d.id}: ${d.duplicates.dropped} rows with repeated features dropped (duplicates drop)\n`,
      );
  }
  process.stderr.write(
    `backend: ${prepared.value.backend}${workers > 1 ? `, ${workers} workers` : ""}\n`,
  );
  const progress = progressReporter([ir], data);
  const { slice } = prepared.value;
  if (slice) {
    const job = jobFile(
      "run",
      [file],
      prepared.value.out,
      runArgs({ ...opts, backend: prepared.value.backend }),
      prepared.value.shape,
    );
    const unwritten = writeJobFile(job);
    if (unwritten)
      process.stderr.write(`warning: ${unwritten}: \`pnnc status\` will not know the protocol\n`);
    const sliced = await executeSlice({ ...prepared.value, slice }, progress.report, opts);
    progress.stop();
    return renderSlice(sliced);
  }
  const done = await executeRun(prepared.value, progress.report, { keepGoing: opts.keepGoing });
  progress.stop();
  printReports(done);
  if (!done.ok) return exitCodeOf(done.failure);
  const { document, seconds, path, report, columns } = done.value;
  if (opts.json) process.stdout.write(JSON.stringify(document.summary, null, 2) + "\n");
  else {
    process.stdout.write(renderSummary(document, seconds, path));
    // A spec that lists methods to compare gets `pnnc compare`'s table too, as its report does.
    if (ir.evaluation.compare.length >= 2) {
      const k = Math.max(...document.runs.map((r) => r.fold));
      const settings = { task: null, baseline: null, k };
      process.stdout.write(renderComparison(compareDocument([ir], [document], settings)));
    }
  }
  if (report !== null) process.stderr.write(`report: ${report}\n`);
  if (storeDir !== null)
    process.stderr.write(
      `columns: ${columns.trained} trained, ${columns.reused} reused from the column store (${storeDir})\n`,
    );
  return EXIT_OK;
}

export function renderSummary(results: RunResults, seconds: number, path: string): string {
  const rows = results.summary.map((s) => [
    s.column,
    s.task,
    s.trainFolds === null ? "all" : String(s.trainFolds),
    String(s.runs),
    `${s.uarMean.toFixed(3)} ± ${s.uarStd.toFixed(3)}`,
    s.accuracyMean.toFixed(3),
  ]);
  const header = ["column", "task", "train folds", "runs", "test UAR", "accuracy"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const largest = (fs: RunResults["forgetting"]) =>
    fs.length === 0 ? null : Math.max(...fs.map((f) => Math.abs(f.change)));
  const frozen = largest(results.forgetting.filter((f) => f.via === null));
  const tuned = results.forgetting.filter((f) => f.via !== null);
  const tunedMean =
    tuned.length === 0 ? null : tuned.reduce((a, f) => a + f.change, 0) / tuned.length;
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `forgetting: frozen columns' largest |change| in test UAR after later stages: ${frozen === null ? "n/a" : frozen.toFixed(6)}`,
    ...(tunedMean === null
      ? []
      : [
          `forgetting: PT/FT bodies with the source head back: mean change in source-task UAR ${tunedMean.toFixed(3)}`,
        ]),
    ...(results.warnings ?? []).map((w) => `warning: ${w.message}`),
    `${seconds.toFixed(1)} s; results in ${path}`,
    "",
  ].join("\n");
}
