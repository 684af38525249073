/**
 * The HTML report of a `pnnc run` or `pnnc compare` directory, which both write when they finish and
 * `pnnc report` writes on request.
 * In: a results directory (and where to write). Out: the path written, or a problem.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { renderReport } from "../report/html.js";
import { loadReport } from "../report/load-report.js";
import { writeFileAtomic } from "./files.js";

export function writeReport(dir: string, output?: string): { path: string } | { problem: string } {
  const input = loadReport(dir);
  if ("problem" in input) return input;
  const path = output ?? join(dir, "report.html");
  const problem = writeFileAtomic(path, renderReport(input.value), readByReport(dir));
  return problem ? { problem } : { path };
}

/** The files loadReport reads (report/load-report.ts), which `-o` must not overwrite with HTML. */
function readByReport(dir: string): string[] {
  const listed = (sub: string) => {
    try {
      return readdirSync(join(dir, sub)).map((name) => join(dir, sub, name));
    } catch {
      return [];
    }
  };
  const top = ["results.json", "spec.pnn", "compare.json"].map((name) => join(dir, name));
  return [...top, ...listed("results"), ...listed("specs")];
}
