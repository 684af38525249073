/**
 * The token vocabulary of `.pnn`: keywords, literals, punctuation, comments.
 * In: nothing. Out: token types, the keyword table and the Chevrotain lexer built from them.
 * Keywords are reserved; a data column that shares a keyword's spelling is written as a string.
 */
import type { TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: "name",
});

/** Keyword spelling → token. Declared here once; the parser, formatter, EBNF and TextMate grammar read it. */
// prettier-ignore
const keywordSpellings = [
  // declarations
  "pnn", "dataset", "task", "column", "training", "evaluation", "stage",
  // dataset
  "file", "format", "features", "numeric", "except", "group", "normalize", "missing", "duplicates", "exclude", "where", "in",
  "fields", "regex", "derive", "parity", "join", "on", "take", "preset",
  // task
  "data", "label", "classes", "merge", "drop",
  // column
  "layers", "dense", "dropout", "repeat", "head", "init", "from", "lateral", "into", "width", "alpha", "activation",
  // training
  "optimizer", "learning_rate", "momentum", "batch", "epochs", "early_stopping", "early_stop", "patience", "min_delta", "best_epoch",
  "seed",
  "train", "freeze", "train_folds",
  // evaluation
  "folds", "repeats", "validation", "metrics", "compare", "baseline",
] as const;

export type Keyword = (typeof keywordSpellings)[number];

function tokenName(spelling: string): string {
  return "Kw_" + spelling;
}

export const keywords: ReadonlyMap<Keyword, TokenType> = new Map(
  keywordSpellings.map((k) => [
    k,
    createToken({ name: tokenName(k), pattern: k, longer_alt: Identifier, label: `\`${k}\`` }),
  ]),
);

export function kw(spelling: Keyword): TokenType {
  const token = keywords.get(spelling);
  if (!token) throw new Error(`internal: no keyword ${spelling}`);
  return token;
}

export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/,
  label: "number",
});

/** Both complete and unterminated strings belong to this category, so the parser accepts either. */
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: Lexer.NA,
  label: "string",
});
export const ClosedString = createToken({
  name: "ClosedString",
  pattern: /"(?:[^"\\\r\n]|\\.)*"/,
  categories: [StringLiteral],
  label: "string",
});
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\r\n]|\\.)*/,
  categories: [StringLiteral],
  label: "string",
});

export const LineComment = createToken({
  name: "LineComment",
  pattern: /\/\/[^\r\n]*/,
  group: "comments",
});
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: "comments",
  line_breaks: true,
});
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: /\/\*[\s\S]*/,
  group: "comments",
  line_breaks: true,
});

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

export const LCurly = createToken({ name: "LCurly", pattern: "{", label: "`{`" });
export const RCurly = createToken({ name: "RCurly", pattern: "}", label: "`}`" });
export const LSquare = createToken({ name: "LSquare", pattern: "[", label: "`[`" });
export const RSquare = createToken({ name: "RSquare", pattern: "]", label: "`]`" });
export const Comma = createToken({ name: "Comma", pattern: ",", label: "`,`" });
export const Arrow = createToken({ name: "Arrow", pattern: "->", label: "`->`" });
export const Equals = createToken({ name: "Equals", pattern: "=", label: "`=`" });
export const DotDot = createToken({ name: "DotDot", pattern: "..", label: "`..`" });
export const Dot = createToken({ name: "Dot", pattern: ".", label: "`.`" });

export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  ClosedString,
  UnterminatedString,
  StringLiteral,
  Arrow,
  Equals,
  NumberLiteral,
  DotDot,
  Dot,
  LCurly,
  RCurly,
  LSquare,
  RSquare,
  Comma,
  // Longest spelling first, so that `dropout` is not lexed as `drop` + `out`, nor `into` as `in` + `to`.
  ...[...keywords.entries()].sort((a, b) => b[0].length - a[0].length).map(([, t]) => t),
  Identifier,
];

/**
 * Tokens carry their start offset only: diagnostics, the formatter, migrations and AST ranges work
 * from start offsets and images, and "full" tracking (line and column of both ends) was two thirds
 * of the lexing time and memory of a 100,000-item list. `ensureOptimizations` keeps every token
 * first-character optimizable: a pattern that is not fails at start-up instead of silently slowing
 * every file.
 */
export const pnnLexer = new Lexer(allTokens, {
  positionTracking: "onlyOffset",
  ensureOptimizations: true,
});
