/**
 * `pnnc report RESULTS_DIR [-o FILE]`: writes the self-contained HTML report of a `pnnc run` or
 * `pnnc compare` directory (DIR/report.html by default); run and compare call it when they finish.
 * In: a directory. Out: an exit code (0 ok, 1 unreadable or damaged results, 2 usage).
 */
import { join } from "node:path";
import { renderReport } from "../report/html.js";
import { loadReport } from "../report/load-report.js";
import { EXIT_FAILED, EXIT_OK } from "./exit-codes.js";
import { writeFileAtomic } from "./files.js";
import { printProblem } from "./output.js";

/** Writes the report; returns the path written, or a problem. */
export function writeReport(dir: string, output?: string): { path: string } | { problem: string } {
  const input = loadReport(dir);
  if ("problem" in input) return input;
  const path = output ?? join(dir, "report.html");
  const problem = writeFileAtomic(path, renderReport(input.value));
  return problem ? { problem } : { path };
}

export function runReport(dir: string, opts: { output?: string }): number {
  const written = writeReport(dir, opts.output);
  if ("problem" in written) {
    printProblem(written.problem);
    return EXIT_FAILED;
  }
  process.stderr.write(`wrote ${written.path}\n`);
  return EXIT_OK;
}
