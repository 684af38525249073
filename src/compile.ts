/**
 * The front end, from bytes to checked IR:
 *
 *   bytes ─1 read─▶ SourceFile ─2 parse─▶ AST ─3 lower─▶ IR + spans ─4 schema─▶ IR ─5 semantics─▶ checked IR
 *
 * Each step returns its value and diagnostics; a step runs only when the steps before it found no
 * error (warnings do not stop it). Nothing here throws on bad input, and nothing loads TensorFlow.js.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics/diagnostic.js";
import type { SourceFile } from "./diagnostics/source-file.js";
import type { Comment, Spec } from "./syntax/ast.js";
import { readSource } from "./syntax/read-source.js";
import { parse } from "./syntax/parse.js";
import { lower } from "./ir/lower.js";
import type { SpanIndex } from "./ir/span-index.js";
import type { Ir } from "./ir/types.js";
import { validateSchema } from "./check/validate-schema.js";
import { checkSemantics } from "./check/semantic/checks.js";

export interface FrontEndResult {
  file: SourceFile;
  ast: Spec | null;
  comments: Comment[];
  /** The checked IR; null when any step reported an error. */
  ir: Ir | null;
  spans: SpanIndex | null;
  diagnostics: Diagnostic[];
}

/**
 * One diagnostic per cause: a value inherited by many stages, or repeated by `repeat`, is reported
 * once at the place that wrote it.
 */
function onePerCause(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code}\u0000${d.span.start}\u0000${d.span.end}\u0000${d.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

export function compileSpec(path: string, input: Uint8Array | string): FrontEndResult {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  // 1. Read: refuse binary, non-UTF-8 and oversized files before lexing them.
  const read = readSource(path, bytes);
  const file = read.value;
  const result: FrontEndResult = {
    file,
    ast: null,
    comments: [],
    ir: null,
    spans: null,
    diagnostics: read.diagnostics,
  };
  const done = () => ({ ...result, diagnostics: sortDiagnostics(onePerCause(result.diagnostics)) });
  if (hasErrors(result.diagnostics)) return done();

  // 2. Parse: lexer and parser errors, several per pass thanks to error recovery.
  const parsed = parse(file);
  result.diagnostics.push(...parsed.diagnostics);
  result.comments = parsed.value.comments;
  result.ast = parsed.value.ast;
  if (!result.ast || hasErrors(result.diagnostics)) return done();

  // 3. Lower: defaults, `repeat`, layer names; spans go to a side index.
  const lowered = lower(file, result.ast);
  result.diagnostics.push(...lowered.diagnostics);
  result.spans = lowered.value.spans;
  if (hasErrors(result.diagnostics)) return done();

  // 4. Schema: types and ranges of every value, against the committed JSON Schema.
  const schema = validateSchema(file, lowered.value.ir, lowered.value.spans);
  result.diagnostics.push(...schema.diagnostics);
  if (!schema.ir) return done();

  // 5. Semantics: names, stage order, shapes, frozen sets, protocol.
  result.diagnostics.push(...checkSemantics(file, schema.ir, lowered.value.spans));
  if (!hasErrors(result.diagnostics)) result.ir = schema.ir;
  return done();
}
