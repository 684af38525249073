/**
 * The diagnostic value every phase returns instead of throwing.
 * In: a code from the catalog, a source file and offsets. Out: a `Diagnostic` with a full span.
 * Also `Result<T>`, the `{ value, diagnostics }` pair that phases hand to each other.
 */
import { catalog, type Code, type Severity } from "./catalog.js";
import type { Range, SourceFile, Span } from "./source-file.js";

export interface Label {
  span: Span;
  message: string;
}

export interface Diagnostic {
  code: Code;
  severity: Severity;
  message: string;
  span: Span;
  labels?: Label[];
  hint?: string;
  suggestions?: string[];
}

export interface Result<T> {
  value: T;
  diagnostics: Diagnostic[];
}

export interface DiagnosticExtras {
  labels?: { range: Range; message: string }[];
  hint?: string;
  suggestions?: string[];
}

export function makeDiagnostic(
  code: Code,
  file: SourceFile,
  range: Range,
  message: string,
  extras: DiagnosticExtras = {},
): Diagnostic {
  const diagnostic: Diagnostic = {
    code,
    severity: catalog[code].severity,
    message,
    span: file.span(range),
  };
  if (extras.labels && extras.labels.length > 0) {
    diagnostic.labels = extras.labels.map((l) => ({
      span: file.span(l.range),
      message: l.message,
    }));
  }
  if (extras.hint) diagnostic.hint = extras.hint;
  if (extras.suggestions && extras.suggestions.length > 0)
    diagnostic.suggestions = extras.suggestions;
  return diagnostic;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Source order, then code: stable output for humans, JSON and baselines. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.span.file.localeCompare(b.span.file) ||
      a.span.start - b.span.start ||
      a.code.localeCompare(b.code),
  );
}
