/**
 * How the CLI talks: diagnostics rendered for people on stderr (colour on a TTY unless NO_COLOR),
 * or as one JSON object on stdout with `--json`.
 * In: diagnostics and the files they point into. Out: text on the process streams.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../diagnostics/source-file.js";
import { renderDiagnostics } from "../diagnostics/render.js";
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

export function printJsonDiagnostics(diagnostics: readonly Diagnostic[]): void {
  process.stdout.write(JSON.stringify({ diagnostics }, null, 2) + "\n");
}

export function printProblem(message: string): void {
  process.stderr.write(`pnnc: ${message}\n`);
}

/** Writes `text` to stdout, or atomically to `path`; returns the exit code. */
export function emit(text: string, path: string | undefined): number {
  if (!path) {
    process.stdout.write(text);
    return 0;
  }
  const problem = writeFileAtomic(path, text);
  if (problem) printProblem(problem);
  return problem ? 1 : 0;
}
