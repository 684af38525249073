/**
 * How the CLI talks: diagnostics rendered for people on stderr (colour on a TTY unless NO_COLOR),
 * or as one JSON object on stdout with `--json`; problems as `pnnc: …` lines; a service's failure
 * as an exit code.
 * In: diagnostics and the files they point into, problems, outcomes. Out: text on the process streams.
 */
import { catalog } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SliceDone } from "../experiment/execute-slice.js";
import type { Failure, Outcome, Problem, Reports } from "../experiment/outcome.js";
import { runLabel, type RunPair } from "../experiment/slices.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import type { SourceFile } from "../diagnostics/source-file.js";
import { escapeControls, renderDiagnostics } from "../diagnostics/render.js";
import { writeFileAtomic } from "./files.js";

export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env["NO_COLOR"] !== undefined && process.env["NO_COLOR"] !== "") return false;
  if (process.env["FORCE_COLOR"] !== undefined && process.env["FORCE_COLOR"] !== "0") return true;
  return stream.isTTY === true && process.env["TERM"] !== "dumb";
}

export function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  files: readonly SourceFile[],
): void {
  if (diagnostics.length === 0) return;
  const byPath = new Map(files.map((f) => [f.path, f]));
  process.stderr.write(renderDiagnostics(diagnostics, byPath, { color: useColor(process.stderr) }));
}

/**
 * `--json`: one object on stdout. Usage problems (a missing file) go in a `problems` array, present
 * only when there are some, so a tool reading stdout learns why nothing was checked.
 */
export function printJsonDiagnostics(
  diagnostics: readonly Diagnostic[],
  problems: readonly string[] = [],
): void {
  const document = problems.length > 0 ? { diagnostics, problems } : { diagnostics };
  process.stdout.write(JSON.stringify(document, null, 2) + "\n");
}

/** `pnnc: MESSAGE`; a catalogued problem shows its severity and code (`error[PNN5002]: …`) and its hint. */
export function printProblem(problem: string | Problem): void {
  if (typeof problem === "string") {
    process.stderr.write(`pnnc: ${escapeControls(problem)}\n`);
    return;
  }
  const severity = problem.severity ?? (problem.code && catalog[problem.code].severity);
  const code = problem.code ? `${severity}[${problem.code}]: ` : "";
  const hint = problem.hint ? `\n  = hint: ${escapeControls(problem.hint)}` : "";
  process.stderr.write(`pnnc: ${code}${escapeControls(problem.message)}${hint}\n`);
}

/** What a service reports, in order: each spec's diagnostics, then the problems. */
export function printReports(reports: Reports): void {
  for (const { file, diagnostics } of reports.diagnostics) printDiagnostics(diagnostics, [file]);
  reports.problems.forEach(printProblem);
}

export function exitCodeOf(failure: Failure): number {
  return failure === "usage" ? EXIT_USAGE : EXIT_FAILED;
}

/** Writes `text` to stdout, or atomically to `path` unless it is one of `reads`; returns the exit code. */
export function emit(
  text: string,
  path: string | undefined,
  reads: readonly string[] = [],
): number {
  if (!path) {
    process.stdout.write(text);
    return 0;
  }
  const problem = writeFileAtomic(path, text, reads);
  if (problem) printProblem(problem);
  return problem ? 1 : 0;
}

/** What a `--shard I/N` command did, on stdout; its exit code. */
export function renderSlice(done: Outcome<SliceDone>): number {
  printReports(done);
  if (!done.ok) return exitCodeOf(done.failure);
  const { slice, runs, trained, missing, total, seconds } = done.value;
  const span =
    runs.length === 0
      ? "no runs (more slices than runs)"
      : `${runs.length} run(s), ${runLabel(runs[0] as RunPair)} to ${runLabel(runs.at(-1) as RunPair)}`;
  process.stdout.write(
    [
      `slice ${slice.index}/${slice.count}: ${span}; ${trained} trained now, ${runs.length - trained} already stored (${seconds.toFixed(1)} s)`,
      missing.length === 0
        ? `all ${total} runs are stored: write the results with the same command and \`--assemble\` instead of \`--shard\``
        : `${missing.length} of ${total} runs are still missing (other slices); \`pnnc status DIR\` lists them`,
      "",
    ].join("\n"),
  );
  return EXIT_OK;
}
