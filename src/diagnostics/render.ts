/**
 * Renders diagnostics for people, rustc/Elm style, and as TypeScript-style `.errors.txt` baselines.
 * In: diagnostics plus the source files they point into. Out: strings (colour only when asked).
 */
import pc from "picocolors";
import type { Diagnostic, Label } from "./diagnostic.js";
import type { SourceFile, Span } from "./source-file.js";

/**
 * Control characters (from binary files) are shown as Unicode control pictures (NUL → ␀), one
 * character each, so carets stay aligned and nothing reaches the terminal as a control code.
 */
export function printable(line: string): string {
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) =>
    String.fromCharCode(c === "\u007f" ? 0x2421 : 0x2400 + c.charCodeAt(0)),
  );
}

/**
 * Text from the input (messages quote what was written; paths and hints may too) with its control
 * characters escaped as `\u001b`, so an ESC or NUL in a spec never reaches a terminal raw.
 */
export function escapeControls(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

const MAX_SHOWN = 120;

/**
 * At most this many diagnostics are rendered for people; the rest are counted in one line. A spec
 * with 27,000 unknown names printed 10 MB; `--json` stays complete for tools.
 */
export const MAX_RENDERED = 100;

export interface RenderOptions {
  color: boolean;
}

type Paint = (s: string) => string;

/** Render one diagnostic:
 *
 *     error[PNN3006]: unknown column `speakr`
 *       --> specs/x.pnn:34:16
 *        |
 *     34 |   lateral from speakr into all
 *        |                ^^^^^^ not declared
 *        = hint: did you mean `speaker`?
 */
export function renderDiagnostic(
  d: Diagnostic,
  file: SourceFile | undefined,
  opts: RenderOptions,
): string {
  const c = pc.createColors(opts.color);
  const sevPaint: Paint = d.severity === "error" ? c.red : c.yellow;
  const out: string[] = [];
  const message = escapeControls(d.message);
  out.push(`${c.bold(sevPaint(`${d.severity}[${d.code}]`))}${c.bold(`: ${message}`)}`);
  const gutter = String(maxLine(d)).length;
  const pad = " ".repeat(gutter);
  const where = escapeControls(d.span.file);
  out.push(`${pad}${c.blue("-->")} ${where}:${d.span.line}:${d.span.column}`);
  if (file) {
    out.push(`${pad} ${c.blue("|")}`);
    out.push(...snippet(file, d.span, "^", "", sevPaint, gutter, c.blue));
    for (const label of d.labels ?? []) out.push(...labelSnippet(file, label, gutter, c.blue));
  }
  if (d.hint) out.push(`${pad} ${c.blue("=")} ${c.bold("hint")}: ${escapeControls(d.hint)}`);
  return out.join("\n");
}

export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  files: ReadonlyMap<string, SourceFile>,
  opts: RenderOptions,
): string {
  const shown = diagnostics.slice(0, MAX_RENDERED);
  const parts = shown.map((d) => renderDiagnostic(d, files.get(d.span.file), opts));
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const hidden = diagnostics.length - shown.length;
  if (hidden > 0) {
    const hiddenErrors = diagnostics.slice(MAX_RENDERED).filter((d) => d.severity === "error");
    parts.push(
      `... and ${more(hiddenErrors.length, hidden - hiddenErrors.length)} (\`--json\` lists them all)`,
    );
  }
  if (diagnostics.length > 0) parts.push(summary(errors, warnings));
  return parts.join("\n\n") + (parts.length > 0 ? "\n" : "");
}

function summary(errors: number, warnings: number): string {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
}

function more(errors: number, warnings: number): string {
  const plural = (n: number, w: string) => `${n} more ${w}${n === 1 ? "" : "s"}`;
  if (warnings === 0) return plural(errors, "error");
  if (errors === 0) return plural(warnings, "warning");
  return `${plural(errors, "error")} and ${plural(warnings, "warning")}`;
}

function maxLine(d: Diagnostic): number {
  return Math.max(d.span.line, ...(d.labels ?? []).map((l) => l.span.line));
}

function labelSnippet(file: SourceFile, label: Label, gutter: number, blue: Paint): string[] {
  return snippet(file, label.span, "-", escapeControls(label.message), blue, gutter, blue);
}

/** The source line of a span with an underline; spans over several lines underline to the line's end. */
function snippet(
  file: SourceFile,
  span: Span,
  mark: string,
  message: string,
  paint: Paint,
  gutter: number,
  blue: Paint,
): string[] {
  const full = file.lineText(span.line);
  const fullEnd = span.endLine === span.line ? span.endColumn - 1 : full.length;
  // Very long lines (generated specs) are shown as a window around the span; the window is cut
  // before `printable` (one character for one), so a 600 KB line costs 120 characters per diagnostic.
  const from = full.length > MAX_SHOWN ? Math.max(0, span.column - 1 - 40) : 0;
  const prefix = from > 0 ? "…" : "";
  const text =
    prefix +
    printable(full.slice(from, from + MAX_SHOWN)) +
    (from + MAX_SHOWN < full.length ? "…" : "");
  const startCol = span.column - 1 - from + prefix.length;
  const endCol = Math.min(fullEnd - from + prefix.length, text.length);
  const width = Math.max(1, endCol - startCol);
  const lineNo = String(span.line).padStart(gutter);
  const underline =
    " ".repeat(startCol) + paint(mark.repeat(width) + (message ? ` ${message}` : ""));
  return [`${blue(`${lineNo} |`)} ${text}`, `${" ".repeat(gutter)} ${blue("|")} ${underline}`];
}

/**
 * A `.errors.txt` baseline in the manner of TypeScript's: the diagnostics listed, then the whole source
 * reprinted with `~` under each diagnostic and its message after the line.
 */
export function renderBaseline(file: SourceFile, diagnostics: readonly Diagnostic[]): string {
  const out: string[] = [];
  for (const d of diagnostics) {
    out.push(
      `${d.span.file}(${d.span.line},${d.span.column}): ${d.severity} ${d.code}: ${d.message}`,
    );
  }
  out.push("", `==== ${file.path} (${diagnostics.length} diagnostics) ====`);
  for (let line = 1; line <= file.lineCount; line++) {
    const text = printable(file.lineText(line));
    out.push(`    ${text}`);
    for (const d of diagnostics.filter((x) => x.span.line === line)) {
      const endCol = d.span.endLine === line ? d.span.endColumn - 1 : text.length;
      const width = Math.max(1, endCol - (d.span.column - 1));
      out.push(`    ${" ".repeat(d.span.column - 1)}${"~".repeat(width)}`);
      out.push(`!!! ${d.severity} ${d.code}: ${d.message}`);
      for (const l of d.labels ?? []) {
        out.push(`!!! related ${l.span.file}(${l.span.line},${l.span.column}): ${l.message}`);
      }
      if (d.hint) out.push(`!!! hint: ${d.hint}`);
    }
  }
  return out.join("\n") + "\n";
}
