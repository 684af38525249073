/**
 * The HTML report of a `pnnc run` or `pnnc compare` directory, which both write when they finish and
 * `pnnc report` writes on request.
 * In: a results directory (and where to write). Out: the path written, or a problem.
 */
import { join } from "node:path";
import { renderReport } from "../report/html.js";
import { loadReport } from "../report/load-report.js";
import { writeFileAtomic } from "./files.js";

export function writeReport(dir: string, output?: string): { path: string } | { problem: string } {
  const input = loadReport(dir);
  if ("problem" in input) return input;
  const path = output ?? join(dir, "report.html");
  const problem = writeFileAtomic(path, renderReport(input.value));
  return problem ? { problem } : { path };
}
