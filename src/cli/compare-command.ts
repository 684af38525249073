/**
 * `pnnc compare FILE... [--out DIR] [--task T] [--baseline M] [--df N] [--workers N] [--backend B]`:
 * runs several methods (one spec each, or one spec with `compare [...]`) on identical folds and
 * repeats, trains a column that several specs declare identically once per run, and compares the
 * methods with the corrected repeated k-fold CV t-test. Writes DIR/compare.json, each spec's
 * results as DIR/results/NAME.json, the specs as DIR/specs/NAME.pnn, and DIR/report.html. With
 * `--keep-going` a (repeat, fold) run in which any method diverges is left out for all of them.
 * The work is src/experiment/ (prepare-compare.ts, execute-compare.ts); this renders it.
 * In: parsed arguments. Out: an exit code (0 ok, 1 spec, data or protocol problem, 2 usage).
 */
import { renderComparison } from "../engine/compare.js";
import { executeCompare } from "../experiment/execute-compare.js";
import { executeSlice } from "../experiment/execute-slice.js";
import { jobFile, writeJobFile } from "../experiment/job-file.js";
import { compareArgs } from "./job-args.js";
import { keepGoingProblem, runSlurm, slurmOptions, type SlurmFlags } from "./slurm-command.js";
import {
  prepareCompare,
  type CompareOptions as PrepareOptions,
} from "../experiment/prepare-compare.js";
import { EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { exitCodeOf, printProblem, printReports, renderSlice } from "./output.js";
import { progressReporter } from "./progress.js";

export interface CompareOptions extends PrepareOptions {
  json?: boolean;
  /** `--keep-going`: a diverged (repeat, fold) run is left out for every method; the rest go on. */
  keepGoing?: boolean;
}

export async function runCompare(
  files: string[],
  opts: CompareOptions & SlurmFlags,
): Promise<number> {
  const checked = slurmOptions(opts);
  const stray = "problem" in checked ? checked.problem : keepGoingProblem(opts);
  if (stray !== null) {
    printProblem(stray);
    return EXIT_USAGE;
  }
  const slurm = "value" in checked ? checked.value : null;
  const prepared = await prepareCompare(files, opts);
  printReports(prepared);
  if (!prepared.ok) return exitCodeOf(prepared.failure);
  if (slurm) {
    const { out, shape, missing } = prepared.value;
    return runSlurm(
      jobFile(
        "compare",
        files,
        out,
        compareArgs({ ...opts, backend: prepared.value.backend }),
        shape,
      ),
      missing(),
      slurm,
    );
  }
  const { specs, workers, shared } = prepared.value;
  process.stderr.write(
    `backend: ${prepared.value.backend}${workers > 1 ? `, ${workers} workers` : ""}; ${shared} column training${shared === 1 ? "" : "s"} per run shared between specs\n`,
  );
  const progress = progressReporter(
    specs.map((s) => s.ir),
    specs[0]?.data ?? { datasets: new Map(), splits: new Map() },
  );
  const { slice } = prepared.value;
  if (slice) {
    const { out, shape } = prepared.value;
    const job = jobFile(
      "compare",
      files,
      out,
      compareArgs({ ...opts, backend: prepared.value.backend }),
      shape,
    );
    const unwritten = writeJobFile(job);
    if (unwritten)
      process.stderr.write(`warning: ${unwritten}: \`pnnc status\` will not know the protocol\n`);
    const sliced = await executeSlice({ ...prepared.value, slice }, progress.report, opts);
    progress.stop();
    return renderSlice(sliced);
  }
  const done = await executeCompare(prepared.value, progress.report, {
    keepGoing: opts.keepGoing,
  });
  progress.stop();
  printReports(done);
  if (!done.ok) return exitCodeOf(done.failure);
  const { comparison, seconds, path, report, warnings } = done.value;
  if (opts.json) process.stdout.write(JSON.stringify(comparison.statistics, null, 2) + "\n");
  else
    process.stdout.write(
      `${renderComparison(comparison)}${warnings.map((w) => `warning: ${w}\n`).join("")}${seconds.toFixed(1)} s; results in ${path}\n`,
    );
  if (report !== null) process.stderr.write(`report: ${report}\n`);
  return EXIT_OK;
}
