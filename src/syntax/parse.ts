/**
 * Phase 1, text → AST: lex, parse with error recovery, build the AST.
 * In: a SourceFile. Out: the AST (null when there are syntax errors), the comments, and PNN1xxx diagnostics.
 * All independent lexical and syntax errors of one file are reported in one pass, capped at MAX_ERRORS.
 */
import type { IRecognitionException, IToken } from "chevrotain";
import { EOF, tokenLabel } from "./chevrotain.js";
import { closestNames, didYouMean } from "../diagnostics/suggest.js";
import { makeDiagnostic, type Diagnostic, type Result } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../diagnostics/source-file.js";
import type { Comment, Spec } from "./ast.js";
import { buildAst } from "./cst-to-ast.js";
import type { SpecCstNode } from "./cst.generated.js";
import { parseTokens, pnnParser } from "./parser.js";
import { decodeString } from "./strings.js";
import { LANGUAGE_VERSION } from "../version.js";
import {
  BlockComment,
  ClosedString,
  LCurly,
  LSquare,
  NumberLiteral,
  pnnLexer,
  RCurly,
  RSquare,
  UnterminatedComment,
  UnterminatedString,
  keywords,
} from "./tokens.js";

export const MAX_ERRORS = 50;
/**
 * The parse tree of a huge token stream costs gigabytes; no experiment needs this many. It leaves
 * room for a 100,000-name list (a name and a comma each), which the check handles in linear time.
 */
export const MAX_TOKENS = 250_000;

export interface Parsed {
  ast: Spec | null;
  comments: Comment[];
}

export function parse(file: SourceFile): Result<Parsed> {
  const lexed = pnnLexer.tokenize(file.text);
  const comments: Comment[] = (lexed.groups["comments"] ?? []).map((t) => ({
    text: t.image,
    range: { start: t.startOffset, end: t.startOffset + t.image.length },
    block: t.tokenType === BlockComment || t.tokenType === UnterminatedComment,
  }));
  const diagnostics: Diagnostic[] = [
    ...lexerDiagnostics(file, lexed.errors),
    ...tokenDiagnostics(file, lexed),
  ];
  if (lexed.tokens.length === 0 && diagnostics.length === 0) {
    diagnostics.push(
      makeDiagnostic("PNN1008", file, { start: 0, end: 0 }, "the spec is empty", {
        hint: `start with a header such as \`pnn ${LANGUAGE_VERSION} my_experiment\``,
      }),
    );
    return { value: { ast: null, comments }, diagnostics };
  }
  if (lexed.tokens.length > MAX_TOKENS) {
    diagnostics.push(
      makeDiagnostic(
        "PNN1009",
        file,
        { start: 0, end: 0 },
        `spec has ${lexed.tokens.length} tokens, over the ${MAX_TOKENS} limit`,
        {
          hint: "a spec describes an experiment; keep data in the files that `dataset` blocks name",
        },
      ),
    );
    return { value: { ast: null, comments }, diagnostics };
  }
  const deep = tooDeep(lexed.tokens);
  if (deep) {
    diagnostics.push(
      makeDiagnostic("PNN1011", file, deep, `nesting deeper than ${MAX_DEPTH} levels`, {
        hint: "no spec needs this; flatten the blocks",
      }),
    );
    return { value: { ast: null, comments }, diagnostics };
  }
  const parsed = parseTokens(lexed.tokens);
  const cst = parsed.cst as SpecCstNode;
  diagnostics.push(...parserDiagnostics(file, parsed.errors, lexed.tokens));
  const version = unsupportedVersion(lexed.tokens);
  if (version && diagnostics.length > 0) {
    // Syntax from another language version explains the syntax errors; say that instead.
    const range = { start: version.startOffset, end: version.startOffset + version.image.length };
    const diagnostic = makeDiagnostic(
      "PNN3021",
      file,
      range,
      `language version ${version.image} is not supported; this pnnc reads versions 1 to ${LANGUAGE_VERSION}`,
      {
        hint:
          Number(version.image) > LANGUAGE_VERSION
            ? "the spec was written for a newer pnnc; upgrade pnnc"
            : "migrate the spec with `pnnc upgrade`",
      },
    );
    return { value: { ast: null, comments }, diagnostics: [diagnostic] };
  }
  const capped = dedupe(diagnostics).slice(0, MAX_ERRORS);
  const ast = capped.length === 0 ? buildAst(cst) : null;
  return { value: { ast, comments }, diagnostics: capped };
}

function lexerDiagnostics(
  file: SourceFile,
  errors: { offset: number; length: number }[],
): Diagnostic[] {
  return errors.map((e) => {
    const text = file.text.slice(e.offset, e.offset + e.length);
    const shown = [...text].slice(0, 20).join("");
    return makeDiagnostic(
      "PNN1001",
      file,
      { start: e.offset, end: e.offset + Math.max(1, e.length) },
      `unexpected character${[...text].length > 1 ? "s" : ""} \`${shown}\``,
    );
  });
}

/** Unterminated strings and comments, and bad escapes, are tokens the lexer accepted but we refuse. */
function tokenDiagnostics(
  file: SourceFile,
  lexed: { tokens: IToken[]; groups: Record<string, IToken[]> },
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const t of lexed.tokens) {
    const range = { start: t.startOffset, end: t.startOffset + t.image.length };
    if (t.tokenType === UnterminatedString) {
      out.push(
        makeDiagnostic("PNN1002", file, range, "unterminated string", {
          hint: 'close the string with `"` before the end of the line',
        }),
      );
    }
    if (t.tokenType === UnterminatedString || t.tokenType === ClosedString) {
      const bad = decodeString(t.image, t.tokenType === ClosedString).badEscapeAt;
      if (bad !== null) {
        const at = t.startOffset + 1 + bad - 1;
        out.push(
          makeDiagnostic(
            "PNN1010",
            file,
            { start: at, end: at + 2 },
            `unknown escape \`${t.image.slice(bad, bad + 2)}\``,
            {
              hint: 'write `\\\\` for a backslash; strings accept `\\"`, `\\\\`, `\\n` and `\\t`',
            },
          ),
        );
      }
    }
  }
  for (const t of lexed.groups["comments"] ?? []) {
    if (t.tokenType === UnterminatedComment) {
      out.push(
        makeDiagnostic(
          "PNN1003",
          file,
          { start: t.startOffset, end: t.startOffset + 2 },
          "unterminated block comment",
          {
            hint: "close the comment with `*/`",
          },
        ),
      );
    }
  }
  return out;
}

function parserDiagnostics(
  file: SourceFile,
  errors: IRecognitionException[],
  tokens: IToken[],
): Diagnostic[] {
  return errors.map((e) => {
    const token = e.token;
    if (token.tokenType === EOF || Number.isNaN(token.startOffset)) {
      const end = file.text.length;
      const open = unclosedBracket(tokens);
      const expected = e.message.replace(/, found end of file$/, "");
      return makeDiagnostic(
        "PNN1006",
        file,
        { start: end, end },
        `unexpected end of file: ${expected}`,
        {
          labels: open ? [{ range: open, message: "this bracket is never closed" }] : [],
          hint: open ? "add the missing closing bracket" : undefined,
        },
      );
    }
    const range = { start: token.startOffset, end: token.startOffset + token.image.length };
    const unclosed = unclosedBlockBefore(e, tokens);
    if (unclosed) {
      return makeDiagnostic("PNN1004", file, range, `expected \`}\` before \`${token.image}\``, {
        labels: [{ range: unclosed, message: "this block is never closed" }],
        hint: "add the missing `}`",
      });
    }
    const unknown = unknownStatement(e);
    if (unknown) {
      // Options that follow a statement's first word (`min_delta`, `width`, `dropout`) are keywords too.
      const suggestions = closestNames(token.image, unknown.allowed);
      if (suggestions.length === 0) suggestions.push(...closestNames(token.image, keywords.keys()));
      return makeDiagnostic("PNN1005", file, range, `unknown ${unknown.what} \`${token.image}\``, {
        hint:
          didYouMean(suggestions) ??
          `expected one of ${unknown.allowed.map((k) => `\`${k}\``).join(", ")}`,
        suggestions,
      });
    }
    const code = e.name === "MismatchedTokenException" ? "PNN1004" : "PNN1005";
    return makeDiagnostic(code, file, range, e.message);
  });
}

/** Block rule → the statement rule inside it and what its statements are called in messages. */
const blockStatements: Record<string, { rule: string; what: string }> = {
  spec: { rule: "declaration", what: "declaration" },
  datasetDecl: { rule: "datasetStmt", what: "dataset setting" },
  taskDecl: { rule: "taskStmt", what: "task setting" },
  columnDecl: { rule: "columnStmt", what: "column setting" },
  layersBlock: { rule: "layerStmt", what: "layer" },
  repeatBlock: { rule: "layerStmt", what: "layer" },
  trainingDecl: { rule: "trainingStmt", what: "training setting" },
  stageDecl: { rule: "stageStmt", what: "stage setting" },
  evaluationDecl: { rule: "evaluationStmt", what: "evaluation setting" },
};

/**
 * A word where a block expects its next statement or its closing `}` is most likely a misspelt
 * setting: say so and offer the block's keywords, instead of "expected `}`".
 */
function unknownStatement(e: IRecognitionException): { what: string; allowed: string[] } | null {
  const token = e.token;
  const isWord = /^[A-Za-z_][A-Za-z0-9_]*$/.test(token.image);
  const rule = e.context.ruleStack.at(-1) ?? "";
  const block = blockStatements[rule];
  const expectsStatement =
    e.name === "NotAllInputParsedException" ||
    (e.name === "MismatchedTokenException" && e.message.startsWith("expected `}`"));
  if (!isWord || !block || !expectsStatement) return null;
  const allowed = pnnParser
    .computeContentAssist(block.rule, [])
    .map((s) => tokenLabel(s.nextTokenType).replace(/`/g, ""));
  return { what: block.what, allowed: [...new Set(allowed)] };
}

const declarationWords = new Set(["dataset", "task", "column", "training", "evaluation"]);

/**
 * A declaration keyword where a block expects a statement means the block above was never closed:
 * point at the new declaration and label the open `{`, rather than calling `column` a bad setting.
 */
function unclosedBlockBefore(
  e: IRecognitionException,
  tokens: IToken[],
): { start: number; end: number } | null {
  const rule = e.context.ruleStack.at(-1) ?? "";
  if (!declarationWords.has(e.token.image) || rule === "spec" || !blockStatements[rule])
    return null;
  return unclosedBracket(tokens.filter((t) => t.startOffset < e.token.startOffset));
}

/** The version token of a `pnn VERSION NAME` header when it is not this pnnc's version. */
function unsupportedVersion(tokens: IToken[]): IToken | null {
  const [pnn, version] = tokens;
  if (pnn?.image !== "pnn" || version?.tokenType !== NumberLiteral) return null;
  const v = Number(version.image);
  return Number.isInteger(v) && v >= 1 && v <= LANGUAGE_VERSION ? null : version;
}

export const MAX_DEPTH = 64;

/**
 * The parser, the AST builder and the printer recurse on nesting; refusing absurd depth up front keeps
 * a hostile file from overflowing the stack.
 */
function tooDeep(tokens: IToken[]): { start: number; end: number } | null {
  let depth = 0;
  for (const t of tokens) {
    if (t.tokenType === LCurly || t.tokenType === LSquare) depth++;
    else if (t.tokenType === RCurly || t.tokenType === RSquare) depth = Math.max(0, depth - 1);
    if (depth > MAX_DEPTH) return { start: t.startOffset, end: t.startOffset + 1 };
  }
  return null;
}

/** The innermost `{` or `[` left open at the end of the token stream. */
function unclosedBracket(tokens: IToken[]): { start: number; end: number } | null {
  const stack: IToken[] = [];
  for (const t of tokens) {
    if (t.tokenType === LCurly || t.tokenType === LSquare) stack.push(t);
    else if (t.tokenType === RCurly || t.tokenType === RSquare) stack.pop();
  }
  const open = stack.at(-1);
  return open ? { start: open.startOffset, end: open.startOffset + 1 } : null;
}

/** Recovery can report the same place twice; keep the first diagnostic per start offset. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<number>();
  return diagnostics
    .sort((a, b) => a.span.start - b.span.start)
    .filter((d) => (seen.has(d.span.start) ? false : (seen.add(d.span.start), true)));
}
