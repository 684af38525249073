/**
 * What every service in src/experiment/ returns instead of printing: a value, or the reason it
 * failed, each with the spec diagnostics and the problems met on the way (warnings on success).
 * In: values, diagnostics and problems. Out: an `Outcome`, which a command renders and maps to an exit code.
 */
import type { Code } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../diagnostics/source-file.js";

/**
 * A problem that no spec's text locates: a catalogued one that `pnnc explain` describes (the
 * comparison protocol, a command's options, a table given to predict), or one of the environment
 * without a code (a file that cannot be read or written, a backend that does not load).
 */
export interface Problem {
  code?: Code;
  message: string;
  hint?: string;
  /** A coded error that the user chose to go on after (`--keep-going`) is shown as a warning. */
  severity?: "warning";
}

/** Diagnostics of one spec, with the file they point into; a command prints them in this order. */
export interface SpecDiagnostics {
  file: SourceFile;
  diagnostics: Diagnostic[];
}

/** `usage`: the command was called wrongly (exit 2); `failed`: a spec, data, protocol or environment problem (exit 1). */
export type Failure = "usage" | "failed";

export interface Reports {
  diagnostics: SpecDiagnostics[];
  problems: Problem[];
}

export interface Succeeded<T> extends Reports {
  ok: true;
  value: T;
}

export interface Failed extends Reports {
  ok: false;
  failure: Failure;
}

export type Outcome<T> = Succeeded<T> | Failed;

export function succeed<T>(value: T, reports: Partial<Reports> = {}): Succeeded<T> {
  return {
    ok: true,
    value,
    diagnostics: reports.diagnostics ?? [],
    problems: reports.problems ?? [],
  };
}

export function fail(
  failure: Failure,
  problems: Problem[],
  diagnostics: SpecDiagnostics[] = [],
): Failed {
  return { ok: false, failure, diagnostics, problems };
}

/** A catalogued problem (the code's severity and explanation live in diagnostics/catalog.ts). */
export function coded(code: Code, message: string, hint?: string): Problem {
  return hint === undefined ? { code, message } : { code, message, hint };
}

/** A problem of the environment, which has no code. */
export function plain(message: string): Problem {
  return { message };
}
