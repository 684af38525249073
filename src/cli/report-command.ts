/**
 * `pnnc report RESULTS_DIR [-o FILE]`: writes the self-contained HTML report of a `pnnc run` or
 * `pnnc compare` directory (DIR/report.html by default); run and compare write it when they finish.
 * In: a directory. Out: an exit code (0 ok, 1 unreadable or damaged results, 2 usage).
 */
import { writeReport } from "../experiment/write-report.js";
import { EXIT_FAILED, EXIT_OK } from "./exit-codes.js";
import { printProblem } from "./output.js";

export function runReport(dir: string, opts: { output?: string }): number {
  const written = writeReport(dir, opts.output);
  if ("problem" in written) {
    printProblem(written.problem);
    return EXIT_FAILED;
  }
  process.stderr.write(`wrote ${written.path}\n`);
  return EXIT_OK;
}
